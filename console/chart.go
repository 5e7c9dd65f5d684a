package console

import (
	"fmt"
	"time"

	"github.com/posguard/posguard/analytics"
	"html"
	"html/template"
	"math"
	"strings"
)

// chartSeries is one series of a bar chart: a name for the legend, a
// colour and one value per label.
type chartSeries struct {
	Name   string
	Color  string
	Values []float64
}

// chart geometry (SVG user units).
const (
	chartW, chartH       = 720, 240
	chartLeft, chartBot  = 48, 36
	chartTop, chartRight = 12, 12
)

// palette colours the series of a chart in order.
var palette = []string{"#c0392b", "#e67e22", "#8e44ad", "#2980b9", "#16a085", "#7f8c8d", "#d35400", "#2c3e50"}

// barChart draws stacked bars, one per label, as an SVG element with a
// title for screen readers and a legend. Labels and names are escaped; no
// script, no inline style (the Content-Security-Policy allows neither).
// An empty chart (no label or all zero) is drawn with its axes only.
func barChart(title string, labels []string, series []chartSeries, valueFmt func(float64) string) template.HTML {
	var b strings.Builder
	esc := html.EscapeString
	fmt.Fprintf(&b, `<svg class="chart" role="img" viewBox="0 0 %d %d" xmlns="http://www.w3.org/2000/svg"><title>%s</title>`,
		chartW, chartH+24*((len(series)+3)/4), esc(title))
	top := 0.0
	for i := range labels {
		sum := 0.0
		for _, s := range series {
			if i < len(s.Values) {
				sum += s.Values[i]
			}
		}
		top = math.Max(top, sum)
	}
	if top <= 0 {
		top = 1
	}
	// Round the top up so the three grid lines fall on round values.
	if step := niceStep(top / 3); step > 0 {
		top = math.Ceil(top/3/step) * step * 3
	}
	plotW, plotH := float64(chartW-chartLeft-chartRight), float64(chartH-chartTop-chartBot)
	// Axes and three grid lines with their values.
	for g := 0; g <= 3; g++ {
		y := float64(chartTop) + plotH - plotH*float64(g)/3
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`, chartLeft, y, chartW-chartRight, y)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" font-size="11" text-anchor="end" fill="#555">%s</text>`,
			chartLeft-4, y+4, esc(valueFmt(top*float64(g)/3)))
	}
	n := len(labels)
	if n > 0 {
		slot := plotW / float64(n)
		bw := math.Max(slot*0.7, 1)
		every := max(1, n/12) // at most ~12 labels under the axis
		for i, l := range labels {
			x := float64(chartLeft) + slot*float64(i) + (slot-bw)/2
			y := float64(chartTop) + plotH
			for _, s := range series {
				if i >= len(s.Values) || s.Values[i] <= 0 {
					continue
				}
				h := plotH * s.Values[i] / top
				y -= h
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %s</title></rect>`,
					x, y, bw, h, esc(s.Color), esc(l), esc(s.Name), esc(valueFmt(s.Values[i])))
			}
			if i%every == 0 {
				fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" text-anchor="middle" fill="#555">%s</text>`,
					x+bw/2, chartH-chartBot+16, esc(l))
			}
		}
	}
	// Legend, four to a row.
	for i, s := range series {
		x, y := chartLeft+(i%4)*170, chartH+(i/4)*24
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d" font-size="12" fill="#333">%s</text>`,
			x, y, esc(s.Color), x+16, y+11, esc(s.Name))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built above from escaped parts only
}

// countFmt formats a count for a chart axis.
func countFmt(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

// niceStep returns the smallest of 1, 2 or 5 times a power of ten at or
// above v (v > 0).
func niceStep(v float64) float64 {
	if v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// ratioChart draws, per hour over the 24 hours to `to`, the share of
// requests approved (as a percentage), from rollup series of any
// dimension (summed per bucket). Hours without traffic have no bar.
func ratioChart(q *request, to time.Time, series []analytics.Rate) template.HTML {
	start := to.Add(-24 * time.Hour).Truncate(time.Hour)
	var labels []string
	for h := start; h.Before(to); h = h.Add(time.Hour) {
		labels = append(labels, h.In(beijing).Format("15:04"))
	}
	total := make([]float64, len(labels))
	failed := make([]float64, len(labels))
	for _, r := range series {
		slot := int(r.Bucket.Sub(start) / time.Hour)
		if slot < 0 || slot >= len(labels) {
			continue
		}
		total[slot] += float64(r.Total)
		failed[slot] += float64(r.Failed)
	}
	ok := chartSeries{Name: q.T("dash.approval_pct"), Color: "#27ae60", Values: make([]float64, len(labels))}
	for i := range labels {
		if total[i] > 0 {
			ok.Values[i] = 100 * (total[i] - failed[i]) / total[i]
		}
	}
	return barChart(q.T("dash.ratio_chart"), labels, []chartSeries{ok}, func(v float64) string { return countFmt(v) + "%" })
}
