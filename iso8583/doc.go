// Package iso8583 is posguard's ISO 8583 codec: a message is an MTI, a
// primary (and optional secondary) bitmap and fields 2–128, and a profile is
// a Spec, a table of Field specs given as data (kind, maximum length, length
// prefix, encoding, alignment), not code per field.
//
// Encodings supported:
//
//   - MTI: 2 bytes BCD or 4 ASCII digits.
//   - Bitmaps: always binary, 8 bytes each; bit 1 announces the secondary
//     bitmap and is set by Pack whenever a field 65–128 is present.
//   - N (numeric) and Z (track) values: packed BCD or ASCII digits. A Z value
//     may hold any hexadecimal nibble (terminals encrypt track data) and uses
//     D as the field separator; Get returns it as upper-case hexadecimal
//     characters, with '=' on input read as D.
//   - AN (text) and B (binary) values: bytes as they are.
//   - Length prefixes: none (fixed length), LL or LLL, each in BCD (1 or 2
//     bytes), ASCII (2 or 3 digits) or binary (1 or 2 bytes, big-endian). The
//     prefix of an N or Z field counts digits, that of an AN or B field bytes.
//
// Padding rules, applied by Pack:
//
//   - An odd number of BCD digits takes one pad nibble 0: after the digits
//     (left-aligned, the default) or before them (Field.RightAlign). Unpack
//     accepts 0 or F as the pad nibble of an N field, any nibble for Z.
//   - A fixed-length N or Z value shorter than its length is padded with
//     leading zeros ("1" in an n6 field is sent as 000001).
//   - A fixed-length AN value shorter than its length is padded with trailing
//     spaces. A fixed-length B value must have exactly its length.
//   - Anything longer than the field's maximum is an error, never truncated.
//
// Unpack never panics, whatever the input: a malformed message gives a
// *FieldError naming the field (Field 0 is the MTI, 1 the bitmap), and the
// fields decoded before the failure. Messages keep values in a fixed array,
// so packing and unpacking do not use maps or reflection.
//
// ParseTLV and AppendTLV read and write the BER-TLV data of ICC field 55.
package iso8583
