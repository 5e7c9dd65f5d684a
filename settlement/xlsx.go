package settlement

import (
	"archive/zip"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// WriteXLSX writes rows as a one-sheet Office Open XML workbook, built with
// archive/zip (no spreadsheet library): the header and periods as inline
// strings, counts and yuan amounts as numbers.
func WriteXLSX(w io.Writer, rows []StatementRow) error {
	return WriteReportXLSX(w, &StatementReport{Rows: rows})
}

// WriteReportXLSX writes the statement as a workbook: the sheet
// "statement" (as WriteXLSX) and, when there are QR lines, the sheet
// "qr" with one row each (numbers, channel numbers as text).
func WriteReportXLSX(w io.Writer, rep *StatementReport) error {
	rows := make([][]string, 0, len(rep.Rows))
	for _, r := range rep.Rows {
		rows = append(rows, r.cells())
	}
	sheets := []sheet{{name: "statement", header: statementHeader, rows: rows, numeric: func(i int) bool { return i > 0 }}}
	if len(rep.QR) > 0 {
		lines := make([][]string, 0, len(rep.QR))
		for _, l := range rep.QR {
			lines = append(lines, l.cells())
		}
		// Amount, fee and net are numbers; order and channel numbers stay
		// text (a long digit run must not become a float).
		sheets = append(sheets, sheet{name: "qr", header: qrHeader, rows: lines, numeric: func(i int) bool { return i >= 9 }})
	}
	return writeWorkbook(w, sheets)
}

// sheet is one worksheet: its header, rows, and which columns are numbers.
type sheet struct {
	name    string
	header  []string
	rows    [][]string
	numeric func(col int) bool
}

// writeWorkbook writes sheets as an Office Open XML workbook.
func writeWorkbook(w io.Writer, sheets []sheet) error {
	var types, wbSheets, rels strings.Builder
	for i, s := range sheets {
		fmt.Fprintf(&types, `<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, i+1)
		fmt.Fprintf(&wbSheets, `<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, s.name, i+1, i+1)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>`, i+1, i+1)
	}
	files := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` + types.String() + `</Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>` + wbSheets.String() + `</sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` + rels.String() + `</Relationships>`},
	}
	for i, s := range sheets {
		files = append(files, struct{ name, body string }{fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), sheetXML(s)})
	}
	z := zip.NewWriter(w)
	for _, f := range files {
		fw, err := z.Create(f.name)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(fw, f.body); err != nil {
			return err
		}
	}
	return z.Close()
}

// sheetXML renders one worksheet.
func sheetXML(s sheet) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	row := func(n int, cells []string, numeric func(int) bool) {
		fmt.Fprintf(&b, `<row r="%d">`, n)
		for i, c := range cells {
			ref := fmt.Sprintf("%s%d", column(i), n)
			if numeric != nil && numeric(i) && c != "" {
				fmt.Fprintf(&b, `<c r="%s"><v>%s</v></c>`, ref, c)
				continue
			}
			var esc strings.Builder
			xml.EscapeText(&esc, []byte(c))
			fmt.Fprintf(&b, `<c r="%s" t="inlineStr"><is><t>%s</t></is></c>`, ref, esc.String())
		}
		b.WriteString(`</row>`)
	}
	row(1, s.header, nil)
	for i, r := range s.rows {
		row(i+2, r, s.numeric)
	}
	b.WriteString(`</sheetData></worksheet>`)
	return b.String()
}

// column is the spreadsheet name of column i (0: A, 25: Z, 26: AA).
func column(i int) string {
	name := ""
	for i++; i > 0; i = (i - 1) / 26 {
		name = string(rune('A'+(i-1)%26)) + name
	}
	return name
}
