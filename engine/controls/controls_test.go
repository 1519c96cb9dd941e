package controls

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestLoadMissingIsEmpty(t *testing.T) {
	s, err := Load(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Rows()) != 0 {
		t.Fatalf("rows = %v, want none", s.Rows())
	}
}

func TestUpdateRoundTrip(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	_, err := Update(dir, func(s *Set) error {
		if !s.AddPause("configuration", "Printer", at) {
			t.Error("first pause not added")
		}
		if s.AddPause("configuration", "Printer", at) {
			t.Error("same pause added twice")
		}
		if err := s.SetLink("organization", SidePSA, "12", Disable, at); err != nil {
			return err
		}
		if err := s.SetLink("organization", SidePSA, "12", Disconnect, at); err != nil {
			return err
		}
		s.Confirm("contact", "900", at)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []Row{
		{Kind: "pause", Object: "configuration", Type: "Printer", At: at},
		{Kind: Disconnect, Object: "organization", Side: SidePSA, ID: "12", At: at},
		{Kind: "push", Object: "contact", Side: SideDoc, ID: "900", At: at},
	}
	got := s.Rows()
	if len(got) != len(want) {
		t.Fatalf("rows = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if _, err := Update(dir, func(s *Set) error {
		if n := s.Enable("organization", SidePSA, "12"); n != 1 {
			t.Errorf("enable lifted %d, want 1", n)
		}
		if n := s.Resume("", ""); n != 1 {
			t.Errorf("resume all lifted %d, want 1", n)
		}
		if n := s.Forget("contact", "900"); n != 1 {
			t.Errorf("forget = %d, want 1", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s, _ = Load(dir)
	if len(s.Rows()) != 0 {
		t.Fatalf("rows after lifting = %+v", s.Rows())
	}
}

func TestUpdateRefusesBadLink(t *testing.T) {
	dir := t.TempDir()
	_, err := Update(dir, func(s *Set) error { return s.SetLink("organization", "left", "1", Disable, time.Now()) })
	if err == nil {
		t.Fatal("a bad side was accepted")
	}
	if _, err := os.Stat(filepath.Join(dir, File)); !os.IsNotExist(err) {
		t.Fatalf("a refused change wrote the file: %v", err)
	}
}

func TestConcurrentUpdatesKeepEveryChange(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := Update(dir, func(s *Set) error {
				s.Confirm("configuration", string(rune('a'+i)), time.Now())
				return nil
			}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Pushes) != 20 {
		t.Fatalf("pushes = %d, want 20 (an update lost another's change)", len(s.Pushes))
	}
}

func TestDamagedFileIsAnError(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, File), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err == nil {
		t.Fatal("a damaged controls file loaded")
	}
}
