package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"go.temporal.io/sdk/temporal"

	"mapsync/engine"
	"mapsync/engine/plan"
)

var hashPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// PlanStore keeps compiled plans content-addressed on disk
// (<dir>/<hash>.json), so a run, its retries and its replays always use the
// mapping version they started with, however the mapping files change.
type PlanStore struct{ dir string }

// NewPlanStore returns the store under dir (created on first Save).
func NewPlanStore(dir string) *PlanStore { return &PlanStore{dir: dir} }

// Save stores p under its hash (written to a temporary file, then renamed,
// so a reader never sees half a plan) and returns the hash.
func (s *PlanStore) Save(p *plan.Plan) (string, error) {
	hash, err := engine.Hash(p)
	if err != nil {
		return "", err
	}
	if p.Hash != "" && p.Hash != hash {
		return "", fmt.Errorf("plan store: plan says hash %s but hashes to %s", p.Hash, hash)
	}
	path := s.path(hash)
	if _, err := os.Stat(path); err == nil {
		return hash, nil
	}
	c := *p
	c.Hash = hash
	b, err := json.Marshal(&c)
	if err != nil {
		return "", fmt.Errorf("plan store: encode: %w", err)
	}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return "", fmt.Errorf("plan store: %w", err)
	}
	tmp, err := os.CreateTemp(s.dir, hash+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("plan store: %w", err)
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("plan store: write: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("plan store: %w", err)
	}
	return hash, nil
}

// Load reads the plan of a hash and checks that it still hashes to it. A
// missing plan is a non-retryable error: no retry can bring it back.
func (s *PlanStore) Load(hash string) (*plan.Plan, error) {
	if !hashPattern.MatchString(hash) {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("plan hash %q is not a sha256 hex digest", hash), errPlanMissing, nil)
	}
	b, err := os.ReadFile(s.path(hash))
	if errors.Is(err, os.ErrNotExist) {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf(
			"plan %s is not in this worker's plan store (%s): the run was started from mapping files this worker never saw; start the run again with `mapsync sync` (it stores the plan), or run the worker with the same data directory as the starter",
			hash[:12], s.dir), errPlanMissing, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("plan store: %w", err)
	}
	var p plan.Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("plan %s: %v", hash[:12], err), errPlanMissing, nil)
	}
	got, err := engine.Hash(&p)
	if err != nil {
		return nil, err
	}
	if got != hash {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("plan file %s hashes to %s: it was changed on disk", s.path(hash), got[:12]), errPlanMissing, nil)
	}
	return &p, nil
}

func (s *PlanStore) path(hash string) string { return filepath.Join(s.dir, hash+".json") }
