import { Transform } from 'node:stream'
import { FileProblem } from './file-problem.js'

/** Passes bytes through, failing once more than `maxBytes` went by. */
export function byteLimit(maxBytes: number): Transform {
  let seen = 0
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length
      if (seen > maxBytes)
        callback(new FileProblem('file_too_large', `The file is larger than ${maxBytes} bytes`))
      else callback(null, chunk)
    },
  })
}
