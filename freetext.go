package posguard

import "strings"

// MaskFreeText returns s with everything that looks like a card number
// masked as a PAN is (first 6 and last 4 digits kept, the rest '*'): a run
// of 13 to 19 digits that passes the Luhn check, written together or in
// groups joined by single spaces or hyphens ("6222 0200 0000 0010"). Free
// text typed by people (case notes, notices, outcomes) passes through it
// before it is stored, so a card number pasted there is never kept whole.
// Text without such a run is returned unchanged. (MaskCardNumbers, for
// output, is broader: it masks any long digit run that is not a merchant
// number.)
func MaskFreeText(s string) string {
	groups := digitGroups(s)
	if len(groups) == 0 {
		return s
	}
	var b []byte // a copy of s, made on the first mask
	for start := 0; start < len(groups); {
		end := chainEnd(s, groups, start)
		for i := start; i < end; {
			j, ok := cardAt(s, groups[i:end])
			if !ok {
				i++
				continue
			}
			if b == nil {
				b = []byte(s)
			}
			maskGroups(b, groups[i:i+j])
			i += j
		}
		start = end
	}
	if b == nil {
		return s
	}
	return string(b)
}

// group is one run of ASCII digits, s[from:to].
type group struct{ from, to int }

func digitGroups(s string) []group {
	var out []group
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		out = append(out, group{i, j})
		i = j
	}
	return out
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// chainEnd returns the end of the chain of groups starting at start: groups
// joined by exactly one space or hyphen.
func chainEnd(s string, gs []group, start int) int {
	end := start + 1
	for end < len(gs) && gs[end].from == gs[end-1].to+1 && (s[gs[end-1].to] == ' ' || s[gs[end-1].to] == '-') {
		end++
	}
	return end
}

// cardAt reports whether the first j groups of gs (the most that fit) form
// a Luhn-valid number of 13 to 19 digits.
func cardAt(s string, gs []group) (int, bool) {
	var digits strings.Builder
	best := 0
	for j, g := range gs {
		digits.WriteString(s[g.from:g.to])
		n := digits.Len()
		if n > 19 {
			break
		}
		if n >= 13 && luhn(digits.String()) {
			best = j + 1
		}
	}
	return best, best > 0
}

// luhn reports whether the digit string d passes the Luhn check.
func luhn(d string) bool {
	sum, double := 0, false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}

// maskGroups replaces the digits of gs in b, except the first 6 and the last
// 4, with '*'.
func maskGroups(b []byte, gs []group) {
	total := 0
	for _, g := range gs {
		total += g.to - g.from
	}
	k := 0
	for _, g := range gs {
		for i := g.from; i < g.to; i++ {
			if k >= 6 && k < total-4 {
				b[i] = '*'
			}
			k++
		}
	}
}
