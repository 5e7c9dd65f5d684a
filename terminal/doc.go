// Package terminal is posguard's terminal link: the China UnionPay style POS
// ISO 8583 profile of spec/terminal-8583.md and the gateway that serves it.
//
// This part of the package holds the message profile:
//
//   - CUPS, the field table as data for the iso8583 codec (profile.go);
//   - frames: 2-byte length, TPDU, 6-byte header and message body, with
//     ParseFrame, ReadFrame and Frame.Append (frame.go);
//   - the layouts of fields 48, 54, 60, 61 and 63 (fields.go);
//   - DecodeRequest, which turns a frame into a posguard.TerminalRequest and
//     reports format errors with what is needed to answer them (request.go);
//   - BuildResponse, BuildFormatError and the MAC helpers (response.go);
//   - DecodeView, the masked human and JSON view behind `posguard decode`
//     (decode.go).
//
// Card data never leaves through this package's errors or views: a PAN is
// masked 6+4, track data shows only its masked PAN, and PIN blocks, ICC data
// and working keys are hidden. Choices made where the spec is silent are
// written down in docs/terminal-profile.md.
package terminal
