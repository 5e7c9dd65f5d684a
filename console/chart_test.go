package console

import (
	"encoding/xml"
	"strings"
	"testing"
)

// TestBarChart draws a well-formed SVG whose labels are escaped, with one
// bar per non-zero value and round grid values.
func TestBarChart(t *testing.T) {
	svg := string(barChart(`fail <script>`, []string{"09:00", "10:00", `<b>"x"</b>`},
		[]chartSeries{{Name: "card & co", Color: "#c0392b", Values: []float64{1, 0, 7}}, {Name: "limit", Color: "#e67e22", Values: []float64{2, 3, 0}}},
		countFmt))
	if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, svg)
	}
	if strings.Contains(svg, "<script") || strings.Contains(svg, "<b>") || !strings.Contains(svg, "card &amp; co") {
		t.Errorf("labels not escaped:\n%s", svg)
	}
	if n := strings.Count(svg, "<rect x=") - 2; n != 4 { // two legend squares
		t.Errorf("%d bars, want 4 (one per non-zero value)", n)
	}
	if !strings.Contains(svg, ">5<") || !strings.Contains(svg, ">15<") {
		t.Errorf("grid values not round (top 8 → 15, steps of 5):\n%s", svg)
	}
	empty := string(barChart("none", nil, nil, countFmt))
	if err := xml.Unmarshal([]byte(empty), new(struct{})); err != nil {
		t.Fatalf("empty chart: %v", err)
	}
}
