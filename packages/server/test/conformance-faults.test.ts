/**
 * The proof that the conformance suite bites over HTTP/1.1: the reference server with one
 * deliberate fault at a time (test/conformance/fault-server.ts) fails exactly the cases that
 * check that rule, and no unrelated one.
 */
import { describeMatrix, faults } from './conformance/matrix.ts'

describeMatrix('the suite bites: one fault, exactly its cases fail', faults, 'http1')
