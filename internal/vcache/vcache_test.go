package vcache

import (
	"context"
	"errors"
	"testing"

	"github.com/posguard/posguard"
)

// reader counts the loads of one key.
type reader struct {
	loads int
	value string
	err   error
}

func (r *reader) load() (string, error) {
	r.loads++
	return r.value, r.err
}

func TestReadServesOnlyTheVersionItWasReadAt(t *testing.T) {
	var c Cache[string]
	r := &reader{value: "one"}
	at := func(v int64) context.Context { return posguard.WithCacheVersion(context.Background(), v) }
	for range 3 {
		if got, err := c.Read(at(1), "a", r.load, nil); err != nil || got != "one" {
			t.Fatalf("read: %q %v", got, err)
		}
	}
	if r.loads != 1 {
		t.Fatalf("three reads at one version loaded %d times, want 1", r.loads)
	}
	r.value = "two"
	if got, _ := c.Read(at(2), "a", r.load, nil); got != "two" || r.loads != 2 {
		t.Fatalf("a new version: %q after %d loads", got, r.loads)
	}
	if got, _ := c.Read(context.Background(), "a", r.load, nil); got != "two" || r.loads != 3 {
		t.Fatalf("no version: %q after %d loads (want a load every time)", got, r.loads)
	}
	c.Read(context.Background(), "a", r.load, nil)
	if r.loads != 4 {
		t.Fatalf("without a version nothing is kept: %d loads", r.loads)
	}
}

func TestReadKeepsOnlyTheErrorsItIsTold(t *testing.T) {
	var c Cache[string]
	ctx := posguard.WithCacheVersion(context.Background(), 7)
	missing := posguard.Errorf(posguard.ENOTFOUND, "none")
	r := &reader{err: missing}
	notFound := func(err error) bool { return posguard.ErrorCode(err) == posguard.ENOTFOUND }
	for range 2 {
		if _, err := c.Read(ctx, "m", r.load, notFound); posguard.ErrorCode(err) != posguard.ENOTFOUND {
			t.Fatalf("want the kept ENOTFOUND, got %v", err)
		}
	}
	if r.loads != 1 {
		t.Fatalf("a kept ENOTFOUND loaded %d times", r.loads)
	}
	r2 := &reader{err: errors.New("store down")}
	c.Read(ctx, "x", r2.load, notFound)
	c.Read(ctx, "x", r2.load, notFound)
	if r2.loads != 2 {
		t.Fatalf("a store failure was kept: %d loads", r2.loads)
	}
}

func TestCacheStaysWithinMax(t *testing.T) {
	c := Cache[int]{Max: 3}
	ctx := posguard.WithCacheVersion(context.Background(), 1)
	for i, k := range []string{"a", "b", "c", "d"} {
		c.Read(ctx, k, func() (int, error) { return i, nil }, nil)
	}
	if len(c.m) > 3 {
		t.Fatalf("%d entries kept, max 3", len(c.m))
	}
	if v, _ := c.Read(ctx, "d", func() (int, error) { return -1, nil }, nil); v != 3 {
		t.Fatalf("the last read was not kept: %d", v)
	}
}
