-- pickle_errors: every class of malformed input gives an SQL error naming the function, the
-- problem, the opcode and the byte offset; pickle_valid/pickle_error report the same text.
.mode list
.nullvalue NULL
-- truncated: BINUNICODE at offset 2 declares 300 bytes, 12 remain
SELECT pickle_get(x'8003582c010000' || x'787878787878787878787878');
SELECT pickle_get(CAST(x'8003582c010000787878787878787878787878' AS BLOB));
-- empty input; no STOP
SELECT pickle_json(x'');
SELECT pickle_json(x'4e');
-- unknown opcode 0xff at offset 1
SELECT pickle_type(x'4eff2e');
-- stack underflow: POP on an empty stack; TUPLE2 with one value
SELECT pickle_get(x'30');
SELECT pickle_get(x'80024e862e');
-- missing MARK: TUPLE without a MARK
SELECT pickle_get(x'4e742e');
-- memo miss: BINGET 5 with an empty memo
SELECT pickle_get(x'68052e');
-- bad PROTO
SELECT pickle_get(x'80064e2e');
-- frame violation: SHORT_BINUNICODE's argument crosses the end of a 3-byte frame
SELECT pickle_get(x'8004950300000000000000' || x'8c036162632e');
SELECT pickle_get(x'80049503000000000000008c036162632e');
-- FRAME inside a frame
SELECT pickle_get(x'8004950c000000000000004e9502000000000000004e2e');
-- huge declared length: BINBYTES8 of 2**63 bytes
SELECT pickle_get(x'80048e0000000000000080616263' || x'2e');
SELECT pickle_get(x'80048e00000000000000806162632e');
-- bad INT text; negative PUT index
SELECT pickle_get(x'4931327a0a2e');
SELECT pickle_get(x'56610a702d310a2e');
-- the same error through pickle_valid / pickle_error (no SQL error)
SELECT pickle_valid(x'80064e2e'), pickle_error(x'80064e2e');
SELECT pickle_valid(x'68052e'), pickle_error(x'68052e');
-- bad and missing paths
SELECT pickle_get(x'80025d71004b014b0286612e', 'a');
SELECT pickle_get(x'80025d7100284b014b02652e', '$[');
SELECT pickle_get(x'80025d7100284b014b02652e', '$[5]');
SELECT pickle_get(x'80025d7100284b014b02652e', '$.x');
SELECT pickle_get(x'80025d7100284b014b02652e', '$[-1]');
-- a non-pickle
SELECT pickle_json('hello');
