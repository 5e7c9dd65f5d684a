package http

import "github.com/posguard/posguard/diagnosis"

// defaultKnowledge is used when Server.Knowledge is nil.
var defaultKnowledge Knowledge = diagnosisKB{}

// diagnosisKB adapts the diagnosis package to Knowledge.
type diagnosisKB struct{}

// Lookup implements Knowledge with diagnosis.Lookup.
func (diagnosisKB) Lookup(key string) (Entry, bool) {
	e, ok := diagnosis.Lookup(key)
	if !ok {
		return Entry{}, false
	}
	return entryOf(e), true
}

// Explain implements Knowledge with diagnosis.Explain.
func (diagnosisKB) Explain(code, reason string, detail map[string]string) Explanation {
	x := diagnosis.Explain(code, reason, detail)
	out := Explanation{
		Code:     x.Code,
		Reason:   x.Reason,
		Known:    x.Known,
		Summary:  textOf(x.Summary),
		Evidence: detail,
	}
	if x.Known {
		e := entryOf(x.Entry)
		out.Category, out.Actor, out.Actors, out.Name, out.Meaning = e.Category, e.Actor, e.Actors, e.Name, e.Meaning
		out.Remedy, out.Retry = e.Remedy, e.Retry
	}
	return out
}

// entryOf converts a diagnosis entry.
func entryOf(e diagnosis.Entry) Entry {
	out := Entry{
		Key:      e.Key,
		Code:     e.Code,
		Class:    e.Class,
		Category: e.Category,
		Actors:   splitActors(e.Actor),
		Name:     textOf(e.Name),
		Meaning:  textOf(e.Meaning),
		Remedy:   make([]Text, 0, len(e.Remedy)),
		Retry:    e.Retry,
		Legacy:   e.Legacy,
	}
	if len(out.Actors) > 0 {
		out.Actor = out.Actors[0]
	}
	for _, r := range e.Remedy {
		out.Remedy = append(out.Remedy, textOf(r))
	}
	return out
}

// textOf converts a diagnosis text.
func textOf(t diagnosis.Text) Text { return Text{ZH: t.ZH, EN: t.EN} }
