// Package controls keeps what users decided about a sync's links, apart
// from any run: pauses (per object, per record type), per-link disables and
// disconnects, and documentation records confirmed for a push. The CLI
// writes them (`mapsync pause`, `link`, `push`); every run reads them when
// it matches and applies them to the links it publishes, so a control
// holds until a user lifts it, whichever run comes next.
//
// They live in one small JSON file in the sync's directory
// (syncs/<sync>/controls.json), replaced atomically under a lock, so a run
// reading it never sees half a write and two commands never lose each
// other's changes.
package controls

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// File is the controls file's name in a sync's directory.
const File = "controls.json"

// Link actions.
const (
	// Disable keeps the link but syncs nothing over it (state sync_disabled).
	Disable = "disable"
	// Disconnect ends the link and keeps both records as they are (state
	// disconnected): neither record is matched again until a user
	// enables the link again.
	Disconnect = "disconnect"
)

// Sides of a link, as the match package names them.
const (
	SidePSA = "psa"
	SideDoc = "doc"
)

// Set is the controls of one sync.
type Set struct {
	Pauses []Pause `json:"pauses,omitempty"`
	Links  []Link  `json:"links,omitempty"`
	Pushes []Push  `json:"pushes,omitempty"`
}

// Pause holds back every link of Object ("" = every object) whose record
// has Type ("" = any type). Links stay; nothing is written over them.
type Pause struct {
	Object string    `json:"object,omitempty"`
	Type   string    `json:"type,omitempty"`
	At     time.Time `json:"at"`
}

// Link is a control on one link, named by one of its records.
type Link struct {
	Object string    `json:"object"`
	Side   string    `json:"side"` // psa | doc: whose id ID is
	ID     string    `json:"id"`
	Action string    `json:"action"` // disable | disconnect
	At     time.Time `json:"at"`
}

// Push confirms a documentation record for a push to the PSA (the
// edit-and-save confirmation, given from the command line).
type Push struct {
	Object string    `json:"object"`
	ID     string    `json:"id"` // the doc record's id
	At     time.Time `json:"at"`
}

// Load reads the controls of the sync whose directory is dir. A missing
// file is an empty set.
func Load(dir string) (*Set, error) {
	b, err := os.ReadFile(filepath.Join(dir, File))
	if errors.Is(err, fs.ErrNotExist) {
		return &Set{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("controls: %w", err)
	}
	var s Set
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("controls: %s is damaged: %w", filepath.Join(dir, File), err)
	}
	return &s, nil
}

// Update changes the controls of the sync whose directory is dir: it takes
// the sync's controls lock, reads the file, calls change and, when change
// returns nil, writes the result with a rename. It returns the new set.
func Update(dir string, change func(*Set) error) (*Set, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("controls: %w", err)
	}
	unlock, err := lock(filepath.Join(dir, "controls.lock"))
	if err != nil {
		return nil, fmt.Errorf("controls: %w", err)
	}
	defer unlock()
	s, err := Load(dir)
	if err != nil {
		return nil, err
	}
	if err := change(s); err != nil {
		return nil, err
	}
	s.sort()
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("controls: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".controls-*.json")
	if err != nil {
		return nil, fmt.Errorf("controls: %w", err)
	}
	_, werr := tmp.Write(append(b, '\n'))
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("controls: write: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, File)); err != nil {
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("controls: %w", err)
	}
	return s, nil
}

// AddPause pauses object/type; it reports false when that pause was
// already set.
func (s *Set) AddPause(object, typ string, at time.Time) bool {
	for _, p := range s.Pauses {
		if p.Object == object && p.Type == typ {
			return false
		}
	}
	s.Pauses = append(s.Pauses, Pause{Object: object, Type: typ, At: at.UTC()})
	return true
}

// Resume lifts the pause of object/type and returns how many pauses it
// lifted. object "" with typ "" lifts every pause.
func (s *Set) Resume(object, typ string) int {
	n := len(s.Pauses)
	s.Pauses = slices.DeleteFunc(s.Pauses, func(p Pause) bool {
		if object == "" && typ == "" {
			return true
		}
		return p.Object == object && p.Type == typ
	})
	return n - len(s.Pauses)
}

// SetLink puts a disable or disconnect on the link of object whose side
// record is id, replacing any control that link had.
func (s *Set) SetLink(object, side, id, action string, at time.Time) error {
	if action != Disable && action != Disconnect {
		return fmt.Errorf("controls: unknown link action %q (disable or disconnect)", action)
	}
	if side != SidePSA && side != SideDoc {
		return fmt.Errorf("controls: unknown side %q (psa or doc)", side)
	}
	s.Enable(object, side, id)
	s.Links = append(s.Links, Link{Object: object, Side: side, ID: id, Action: action, At: at.UTC()})
	return nil
}

// Enable lifts the controls on the link of object whose side record is id
// and returns how many it lifted.
func (s *Set) Enable(object, side, id string) int {
	n := len(s.Links)
	s.Links = slices.DeleteFunc(s.Links, func(l Link) bool { return l.Object == object && l.Side == side && l.ID == id })
	return n - len(s.Links)
}

// Confirm marks the doc record id of object for a push; it reports false
// when it was already confirmed.
func (s *Set) Confirm(object, id string, at time.Time) bool {
	for _, p := range s.Pushes {
		if p.Object == object && p.ID == id {
			return false
		}
	}
	s.Pushes = append(s.Pushes, Push{Object: object, ID: id, At: at.UTC()})
	return true
}

// Forget drops the push confirmations of object for the given doc ids
// (records now linked: the confirmation did its work).
func (s *Set) Forget(object string, ids ...string) int {
	n := len(s.Pushes)
	s.Pushes = slices.DeleteFunc(s.Pushes, func(p Push) bool { return p.Object == object && slices.Contains(ids, p.ID) })
	return n - len(s.Pushes)
}

// Row is one control flattened, the shape a run loads into its scratch
// database (the match package's controls table).
type Row struct {
	Kind   string    // pause | disable | disconnect | push
	Object string    // "" = every object (pause only)
	Side   string    // psa | doc ("" for a pause)
	ID     string    // record id ("" for a pause)
	Type   string    // record type of a pause ("" = any)
	At     time.Time // when it was set
}

// Rows flattens the set, in a stable order.
func (s *Set) Rows() []Row {
	var out []Row
	for _, p := range s.Pauses {
		out = append(out, Row{Kind: "pause", Object: p.Object, Type: p.Type, At: p.At})
	}
	for _, l := range s.Links {
		out = append(out, Row{Kind: l.Action, Object: l.Object, Side: l.Side, ID: l.ID, At: l.At})
	}
	for _, p := range s.Pushes {
		out = append(out, Row{Kind: "push", Object: p.Object, Side: SideDoc, ID: p.ID, At: p.At})
	}
	return out
}

func (s *Set) sort() {
	slices.SortStableFunc(s.Pauses, func(a, b Pause) int {
		return strings.Compare(a.Object+"\x00"+a.Type, b.Object+"\x00"+b.Type)
	})
	slices.SortStableFunc(s.Links, func(a, b Link) int {
		return strings.Compare(a.Object+"\x00"+a.Side+"\x00"+a.ID, b.Object+"\x00"+b.Side+"\x00"+b.ID)
	})
	slices.SortStableFunc(s.Pushes, func(a, b Push) int {
		return strings.Compare(a.Object+"\x00"+a.ID, b.Object+"\x00"+b.ID)
	})
}
