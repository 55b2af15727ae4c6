/**
 * The proof that the conformance suite bites over HTTP/2 (h2c): the reference server started
 * with --http2 and one deliberate fault at a time (test/conformance/faults-h2.ts, and two of
 * the HTTP/1.1 ones) fails exactly the cases that check that rule, and no unrelated one.
 */
import { describeMatrix, h2Faults } from './conformance/matrix.ts'

describeMatrix(
  'the suite bites over HTTP/2 (h2c): one fault, exactly its cases fail',
  h2Faults,
  'h2c',
)
