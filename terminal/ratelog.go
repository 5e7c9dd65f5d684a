package terminal

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// logSampler bounds the log lines an unauthenticated peer can cause: at most
// one line per kind per period; the lines left out are counted and the next
// line that is written says how many ("suppressed"). The set of kinds is
// fixed by the code, never taken from input.
type logSampler struct {
	period time.Duration
	mu     sync.Mutex
	kinds  map[string]*sampled
}

type sampled struct {
	last       time.Time
	suppressed int
}

// newLogSampler returns a sampler writing at most one line per kind per
// period.
func newLogSampler(period time.Duration) *logSampler {
	return &logSampler{period: period, kinds: map[string]*sampled{}}
}

// allow reports whether a line of kind may be written now, and how many
// were left out since the last one.
func (s *logSampler) allow(kind string) (bool, int) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.kinds[kind]
	if k == nil {
		k = &sampled{}
		s.kinds[kind] = k
	}
	if !k.last.IsZero() && now.Sub(k.last) < s.period {
		k.suppressed++
		return false, 0
	}
	n := k.suppressed
	k.last, k.suppressed = now, 0
	return true, n
}

// log writes msg at level when the sampler allows a line of kind, adding the
// count of lines left out before it.
func (s *logSampler) log(l *slog.Logger, level slog.Level, kind, msg string, args ...any) {
	ok, n := s.allow(kind)
	if !ok {
		return
	}
	if n > 0 {
		args = append(args, "suppressed", n)
	}
	l.Log(context.Background(), level, msg, args...)
}
