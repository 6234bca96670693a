package visitors

import (
	"errors"
	"testing"
)

func TestNormalizeContact(t *testing.T) {
	for in, want := range map[string]string{
		"9123 4567": "+85291234567", "+852 6123-4567": "+85261234567", "85251234567": "+85251234567",
		"Ann@Example.HK": "ann@example.hk",
	} {
		if got, err := NormalizeContact(in); err != nil || got != want {
			t.Errorf("NormalizeContact(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"1234 5678", "912345678", "+86 13800138000", "ann@", "a b@c.d", "ann@localhost", ""} {
		if _, err := NormalizeContact(bad); !errors.Is(err, ErrBadContact) {
			t.Errorf("NormalizeContact(%q) accepted", bad)
		}
	}
}

func TestSignUpSignInReset(t *testing.T) {
	s := newTestStore(t)
	const who = "+85291234567"
	code, err := s.StartSignUp(who, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SignIn(who, "correct horse"); !errors.Is(err, ErrBadPassword) {
		t.Fatalf("signed in before verifying: %v", err)
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	if _, err := s.FinishSignUp(who, wrong); !errors.Is(err, ErrBadCode) {
		t.Fatalf("wrong code: %v", err)
	}
	if _, err := s.FinishSignUp(who, code); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FinishSignUp(who, code); !errors.Is(err, ErrBadCode) {
		t.Fatalf("code used twice: %v", err)
	}
	if _, err := s.SignIn(who, "correct horse"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SignIn(who, "wrong horse"); !errors.Is(err, ErrBadPassword) {
		t.Fatalf("wrong password: %v", err)
	}
	rc, err := s.StartReset(who)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FinishReset(who, rc, "battery staple"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SignIn(who, "battery staple"); err != nil {
		t.Fatalf("new password: %v", err)
	}
	if _, err := s.StartReset("+85299999999"); !errors.Is(err, ErrUnknown) {
		t.Fatalf("reset of unknown: %v", err)
	}
}

func TestCodeAttemptsRunOut(t *testing.T) {
	s := newTestStore(t)
	code, err := s.StartSignUp("a@b.hk", "password1")
	if err != nil {
		t.Fatal(err)
	}
	wrong := "999999"
	if code == wrong {
		wrong = "999998"
	}
	for i := 0; i < CodeAttempts; i++ {
		s.FinishSignUp("a@b.hk", wrong)
	}
	if _, err := s.FinishSignUp("a@b.hk", code); !errors.Is(err, ErrBadCode) {
		t.Fatalf("right code after %d wrong guesses: %v, want ErrBadCode", CodeAttempts, err)
	}
}

func TestIsMobileTellsNumbersFromAddresses(t *testing.T) {
	for in, want := range map[string]bool{
		"9123 4567":                true,
		"+852 6123-4567":           true,
		"+85291234567@example.com": false,
		"visitor@example.hk":       false,
	} {
		c, err := NormalizeContact(in)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if got := IsMobile(c); got != want {
			t.Errorf("IsMobile(%q) = %v, want %v", c, got, want)
		}
	}
}

func TestSignInName(t *testing.T) {
	for in, want := range map[string]string{
		"demo": "demo", " demo ": "demo", "9123 4567": "+85291234567", "Ann@Example.HK": "ann@example.hk",
	} {
		if got, err := SignInName(in); err != nil || got != want {
			t.Errorf("SignInName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "two words", "tab\there", "\x00"} {
		if _, err := SignInName(bad); !errors.Is(err, ErrBadContact) {
			t.Errorf("SignInName(%q) accepted", bad)
		}
	}
}
