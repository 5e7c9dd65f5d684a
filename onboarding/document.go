package onboarding

import "bytes"

// MaxDocument is the largest document accepted, in bytes (5 MB).
const MaxDocument = 5 << 20

// Content types a document may have.
const (
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypePDF  = "application/pdf"
)

// SniffDocument returns the content type of b judged by its first bytes
// (JPEG, PNG or PDF), or "" for anything else: the name and the type a
// client claims are never trusted.
func SniffDocument(b []byte) string {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return TypeJPEG
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return TypePNG
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return TypePDF
	}
	return ""
}

// requiredDocs lists the documents each kind of merchant must attach.
var requiredDocs = map[string][]string{
	"individual": {"id_front", "id_back", "storefront"},
	"small":      {"id_front", "id_back", "storefront", "account_proof"},
	"enterprise": {"license", "id_front", "id_back", "account_proof"},
}

// RequiredDocuments returns the document kinds an application of kind needs.
func RequiredDocuments(kind string) []string { return append([]string(nil), requiredDocs[kind]...) }
