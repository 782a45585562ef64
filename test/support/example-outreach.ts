/** The outreach campaign of the example; tests override what they need. */
export const exampleOutreach = {
  type: 'outreach',
  name: 'Diwali reminder',
  timezone: 'Asia/Kolkata',
  workingHours: { start: '09:00', end: '21:00' },
  slots: [
    { start: '10:00', end: '12:00' },
    { start: '17:00', end: '19:00' },
  ],
  startDate: '2026-11-22',
  days: 30,
  flow: {
    url: 'http://127.0.0.1:4000/flow',
    timeoutMs: 10000,
  },
  ratePerSecond: 50,
}
