package onboarding

import "testing"

func TestSniffDocument(t *testing.T) {
	for in, want := range map[string]string{
		"\xFF\xD8\xFF\xE0rest":  TypeJPEG,
		"\x89PNG\r\n\x1a\nrest": TypePNG,
		"%PDF-1.7\n":            TypePDF,
		"GIF89a":                "",
		"<html><script>":        "",
		"":                      "",
		"\x89PNG\r\n":           "",
		"%PDF":                  "",
	} {
		if got := SniffDocument([]byte(in)); got != want {
			t.Errorf("SniffDocument(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzSniffDocument: no input panics, and whatever is accepted starts with
// the signature of the type it is given.
func FuzzSniffDocument(f *testing.F) {
	f.Add([]byte("%PDF-1.4"))
	f.Add([]byte("\xFF\xD8\xFF"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		switch SniffDocument(b) {
		case TypeJPEG:
			if len(b) < 3 || b[0] != 0xFF {
				t.Fatal("JPEG without its signature")
			}
		case TypePNG:
			if len(b) < 8 || b[0] != 0x89 {
				t.Fatal("PNG without its signature")
			}
		case TypePDF:
			if len(b) < 5 || b[0] != '%' {
				t.Fatal("PDF without its signature")
			}
		}
	})
}
