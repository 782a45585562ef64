/** A purchase campaign body for item 7, running until 2099; tests override what they need. */
export const examplePurchase = {
  type: 'purchase',
  itemId: '7',
  prize: { value: '100.00', currency: 'USD' },
  startDateTime: '2026-11-22T10:00:00Z',
  endDateTime: '2099-11-29T10:00:00Z',
}
