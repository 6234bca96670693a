package hotspots_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/secrets"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/storetest"
)

func TestAPByTokenAndID(t *testing.T) {
	r := newRegistry(t)
	addVenue(t, r, "lib", "L1", 22.2797, 114.1894, "Library", "")
	ap, tok, err := r.AddAP("lib/L1", "a", "02:00:00:00:00:01")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := r.APByToken(tok); err != nil || got.ID != ap.ID {
		t.Fatalf("APByToken: %+v %v", got, err)
	}
	if _, err := r.APByToken("wha_nope"); !errors.Is(err, hotspots.ErrBadToken) {
		t.Fatalf("unknown token: got %v, want ErrBadToken", err)
	}
	// The registry's own not-found error, not the store's.
	_, err = r.APByID("ap-404")
	if !errors.Is(err, hotspots.ErrNotFound) || errors.Is(err, store.ErrNotFound) {
		t.Fatalf("APByID of a missing AP: got %v, want hotspots.ErrNotFound", err)
	}
	if err := r.DeleteAP(ap.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := r.APByToken(tok); !errors.Is(err, hotspots.ErrBadToken) {
		t.Fatalf("token of a deleted AP: got %v, want ErrBadToken", err)
	}
}

// A store that cannot answer is no reason to tell an agent its token is
// wrong (401): APByToken reports store.ErrUnavailable, which the HTTP
// layer answers with 503.
func TestAPByTokenStoreFailureIsNotBadToken(t *testing.T) {
	r, faults := faultyRegistry(t)
	_, tok, err := r.AddAP("lib/L1", "a", "02:00:00:00:00:01")
	if err != nil {
		t.Fatal(err)
	}
	faults.Fail(errors.New("disk on fire"))
	_, err = r.APByToken(tok)
	if errors.Is(err, hotspots.ErrBadToken) || !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("failing store: got %v, want store.ErrUnavailable", err)
	}
	faults.Heal()
	if _, err := r.APByToken(tok); err != nil {
		t.Fatalf("healed store: %v", err)
	}
}

// While the store cannot answer, a token it vouched for before still
// names its AP (reports are journaled through an outage); one it never
// vouched for, or refused since, does not.
func TestAPByTokenThroughAnOutage(t *testing.T) {
	r, faults := faultyRegistry(t)
	ap, tok, err := r.AddAP("lib/L1", "a", "02:00:00:00:00:01")
	if err != nil {
		t.Fatal(err)
	}
	gone, goneTok, _ := r.AddAP("lib/L1", "b", "02:00:00:00:00:02")
	_, unseenTok, _ := r.AddAP("lib/L1", "c", "02:00:00:00:00:03")
	for _, tk := range []string{tok, goneTok} {
		if _, err := r.APByToken(tk); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.DeleteAP(gone.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := r.APByToken(goneTok); !errors.Is(err, hotspots.ErrBadToken) {
		t.Fatalf("deleted AP's token: %v", err)
	}
	faults.Fail(errors.New("connection refused"))
	if got, err := r.APByToken(tok); err != nil || got.ID != ap.ID {
		t.Errorf("known token during the outage: %+v %v", got, err)
	}
	for name, tk := range map[string]string{"never looked up": unseenTok, "refused before": goneTok} {
		if _, err := r.APByToken(tk); !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s token during the outage: %v, want ErrUnavailable", name, err)
		}
	}
}

// faultyRegistry is a registry with a venue lib/L1 over a store whose
// reads and writes fail on demand.
func faultyRegistry(t *testing.T) (*hotspots.Registry, *storetest.Faults) {
	t.Helper()
	db, faults := storetest.OpenFaulty(t)
	sealer, _ := secrets.New(bytes.Repeat([]byte{7}, 32))
	r, err := hotspots.New(db, sealer)
	if err != nil {
		t.Fatal(err)
	}
	addVenue(t, r, "lib", "L1", 22.2797, 114.1894, "Library", "")
	return r, faults
}
