package sqlstore

import (
	"encoding/json"
	"time"

	"github.com/posguard/posguard"
)

// StringList returns the JSON text of a list column: [] for nil, never null.
func StringList(s []string) string {
	if s == nil {
		s = []string{}
	}
	b, _ := json.Marshal(s) // a []string always encodes
	return string(b)
}

// OpenIncidentDefaults fills what OpenIncident leaves to the store: status
// open when empty, opened at now when unset, and updated when opened.
func OpenIncidentDefaults(i *posguard.Incident, now time.Time) {
	if i.Status == "" {
		i.Status = posguard.IncidentOpen
	}
	if i.OpenedAt.IsZero() {
		i.OpenedAt = now
	}
	i.UpdatedAt = i.OpenedAt
}

// IncidentNotFound is the error for an unknown incident ID.
func IncidentNotFound(id int64) error {
	return posguard.Errorf(posguard.ENOTFOUND, "incident %d not found", id)
}

// EventDetail returns the detail column of a terminal event: the JSON text
// of d, {} when empty.
func EventDetail(d map[string]string) (any, error) {
	v, err := EncodeDetail(d)
	if err != nil {
		return nil, err
	}
	if v == nil {
		v = "{}"
	}
	return v, nil
}
