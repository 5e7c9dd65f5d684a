package main

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/posguard/posguard"
)

// writeRecheck is how long a failed write keeps the store reported
// unhealthy when no later write of the hot path has succeeded, as long as
// the health probe's own writes succeed: a disk that was full may have room
// again before any terminal writes.
const writeRecheck = time.Minute

// writeHealth remembers whether the store's writes succeed, for /healthz.
type writeHealth struct {
	mu       sync.Mutex
	failedAt time.Time
	failure  error
	okAt     time.Time
}

// record notes the outcome of a write and returns err. Refusals by the
// store's rules (conflict, invalid, not found) say nothing about its health.
func (h *writeHealth) record(err error) error {
	now := time.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	switch posguard.ErrorCode(err) {
	case "":
		if err == nil {
			h.okAt = now
		}
	case posguard.ECONFLICT, posguard.EINVALID, posguard.ENOTFOUND:
	default:
		h.failedAt, h.failure = now, err
	}
	return err
}

// trackedStore is the host's store with its writes of the terminal path
// watched by a writeHealth.
type trackedStore struct {
	hostStore
	health *writeHealth
}

func trackWrites(st hostStore) *trackedStore {
	return &trackedStore{hostStore: st, health: &writeHealth{}}
}

// Insert journals a transaction (watched).
func (s *trackedStore) Insert(ctx context.Context, t *posguard.Transaction) error {
	return s.health.record(s.hostStore.Insert(ctx, t))
}

// Update records a transaction's outcome (watched).
func (s *trackedStore) Update(ctx context.Context, u posguard.TxnUpdate) error {
	return s.health.record(s.hostStore.Update(ctx, u))
}

// SaveSignOn stores a sign-on's keys (watched).
func (s *trackedStore) SaveSignOn(ctx context.Context, id string, keys posguard.WorkingKeys, batch string, at time.Time) error {
	return s.health.record(s.hostStore.SaveSignOn(ctx, id, keys, batch, at))
}

// SetBatch stores a batch roll-over (watched).
func (s *trackedStore) SetBatch(ctx context.Context, id, batch string) error {
	return s.health.record(s.hostStore.SetBatch(ctx, id, batch))
}

// SetSignedOff stores a sign-off (watched).
func (s *trackedStore) SetSignedOff(ctx context.Context, id string, at time.Time) error {
	return s.health.record(s.hostStore.SetSignedOff(ctx, id, at))
}

// WriteHealth is nil when the store takes writes: it writes a probe setting
// and looks at the latest writes of the terminal path. Otherwise its error
// says why, in words /healthz reports (read-only, disk full, writes fail).
func (s *trackedStore) WriteHealth(ctx context.Context) error {
	probe := s.hostStore.PutSetting(ctx, "health.write_probe", []byte(time.Now().UTC().Format(time.RFC3339Nano)), false)
	h := s.health
	h.mu.Lock()
	defer h.mu.Unlock()
	if probe != nil && posguard.ErrorCode(probe) != posguard.ECONFLICT {
		h.failedAt, h.failure = time.Now(), probe
		return writeFailure(probe)
	}
	if h.failure != nil && h.failedAt.After(h.okAt) && time.Since(h.failedAt) < writeRecheck {
		return writeFailure(h.failure)
	}
	return nil
}

// writeFailure names what is wrong with the store's writes.
func writeFailure(err error) error {
	msg := strings.ToLower(err.Error())
	reason := "writes fail"
	switch {
	case strings.Contains(msg, "read-only") || strings.Contains(msg, "readonly") || strings.Contains(msg, "25006"):
		reason = "read-only"
	case strings.Contains(msg, "full") || strings.Contains(msg, "no space") || strings.Contains(msg, "53100"):
		reason = "disk full"
	}
	return posguard.WrapError(posguard.EUNAVAILABLE, err, "%s", reason)
}
