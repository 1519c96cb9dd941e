package steps

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"mapsync/connectors"
	"mapsync/dsl/exprenv"
	"mapsync/engine/match"
	"mapsync/engine/plan"
	"mapsync/engine/records"
)

// Config says which run of which sync to work on.
type Config struct {
	Plan  *plan.Plan
	Sync  string // sync name; "" = the plan's only sync
	Dir   string // the sync's results directory (results.duckdb, runs/, work/)
	RunID string // letters, digits, '.', '_', '-'
	// Vars resolves the plan's variables (base URLs, credentials) at
	// request time; values are never stored.
	Vars connectors.Resolver
	// ConnectorOptions are passed to connectors.New for both systems.
	ConnectorOptions []connectors.Option
	// Threads and MemoryLimit bound DuckDB (0 / "" = its defaults).
	Threads     int
	MemoryLimit string
	// Progress, when set, is told what each step is doing (a page read,
	// a step done). It is called from the step's goroutine.
	Progress func(Progress)
	// DryRun marks a run that writes nothing: Apply refuses to run.
	DryRun bool
	// Now is the clock of the ledger (first sends, the errors file).
	// Default time.Now.
	Now func() time.Time
	// PushAll lists the objects whose waiting documentation records this
	// run treats as confirmed for a push (mapsync push-all).
	PushAll []string
	// Lookback is subtracted from the first send of an in-doubt create
	// before the target is listed for it (clock skew between this process
	// and the systems). Default 2m.
	Lookback time.Duration
}

// Progress reports what a step is doing.
type Progress struct {
	Step    string     `json:"step"` // extract | match | diff | publish
	Object  string     `json:"object,omitempty"`
	Side    match.Side `json:"side,omitempty"`
	Pages   int        `json:"pages,omitempty"`
	Records int        `json:"records,omitempty"`
	Done    bool       `json:"done,omitempty"`
	Note    string     `json:"note,omitempty"`
}

// Run is one run of one sync: the plan's objects, their mappers and
// matching specifications, both systems' connectors and the run's scratch
// database. Its methods are the steps; they are safe to call one at a
// time (a run's steps are sequential).
type Run struct {
	cfg     Config
	sync    plan.Sync
	canon   map[string]plan.CanonicalType
	systems map[match.Side]plan.System
	clients map[match.Side]*connectors.Client
	db      *match.Run
	objects map[string]*object

	writerMu sync.Mutex
	writers  map[sideObject]*records.Writer
}

type sideObject struct {
	side   match.Side
	object string
	live   bool // a writer that writes (Apply), not a dry-run one (Diff)
}

// object is everything a run knows about one object of the sync.
type object struct {
	spec    plan.ObjectSync
	canon   plan.CanonicalType
	match   *match.Object
	mappers map[match.Side]*records.Mapper
	enabled *exprenv.Program // nil = always
}

// Sides lists both sides, PSA first.
var Sides = []match.Side{match.PSA, match.Doc}

// Open checks the sync against the plan (every object's mappers and
// matching specification are built here, so an unsupported mapping fails
// now and not halfway through), opens the run's scratch database and
// builds the connectors. Close it.
func Open(ctx context.Context, cfg Config) (*Run, error) {
	r, err := Inspect(cfg)
	if err != nil {
		return nil, err
	}
	cfg = r.cfg
	if cfg.Vars == nil {
		return nil, errors.New("steps: no variable resolver")
	}
	for _, side := range Sides {
		opts := append(slices.Clip(cfg.ConnectorOptions), connectors.WithAttemptHook(countAttempt))
		c, err := connectors.New(r.systems[side], cfg.Vars, opts...)
		if err != nil {
			r.closeClients()
			return nil, fmt.Errorf("steps: %s system: %w", side, err)
		}
		r.clients[side] = c
	}
	r.db, err = match.OpenRun(ctx, match.Config{Dir: cfg.Dir, Sync: r.sync.Name, RunID: cfg.RunID, Threads: cfg.Threads, MemoryLimit: cfg.MemoryLimit})
	if err != nil {
		r.closeClients()
		return nil, fmt.Errorf("steps: %w", err)
	}
	// Tables the steps keep in the run's database are made here, once:
	// made lazily, two activities running at once (the PSA's and the
	// documentation system's Extract) conflict on DuckDB's catalog.
	for _, ddl := range []string{requestsDDL, listedDDL} {
		if _, err := r.db.DB().ExecContext(ctx, ddl); err != nil {
			r.Close()
			return nil, fmt.Errorf("steps: %w", err)
		}
	}
	return r, nil
}

// Inspect checks the sync against the plan and builds every object's
// mappers and matching specification, like Open, without connecting to
// either system or opening the run's database: enough for Enabled and
// Objects. Its Close is a no-op.
func Inspect(cfg Config) (*Run, error) {
	if cfg.Plan == nil {
		return nil, errors.New("stages: no plan")
	}
	s, err := findSync(cfg.Plan, cfg.Sync)
	if err != nil {
		return nil, err
	}
	cfg.Sync = s.Name
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Lookback <= 0 {
		cfg.Lookback = 2 * time.Minute
	}
	r := &Run{
		cfg:     cfg,
		sync:    s,
		canon:   map[string]plan.CanonicalType{},
		systems: map[match.Side]plan.System{},
		clients: map[match.Side]*connectors.Client{},
		objects: map[string]*object{},
		writers: map[sideObject]*records.Writer{},
	}
	for _, c := range cfg.Plan.Canonical {
		r.canon[c.Name] = c
	}
	for side, name := range map[match.Side]string{match.PSA: s.PSA, match.Doc: s.Doc} {
		i := slices.IndexFunc(cfg.Plan.Systems, func(x plan.System) bool { return x.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("stages: sync %q: system %q is not in the plan", s.Name, name)
		}
		r.systems[side] = cfg.Plan.Systems[i]
	}
	if err := r.prepareObjects(); err != nil {
		return nil, err
	}
	return r, nil
}

func findSync(p *plan.Plan, name string) (plan.Sync, error) {
	if name == "" {
		if len(p.Syncs) != 1 {
			names := make([]string, len(p.Syncs))
			for i, s := range p.Syncs {
				names[i] = s.Name
			}
			return plan.Sync{}, fmt.Errorf("stages: the plan has %d syncs (%v): name one", len(p.Syncs), names)
		}
		return p.Syncs[0], nil
	}
	for _, s := range p.Syncs {
		if s.Name == name {
			return s, nil
		}
	}
	return plan.Sync{}, fmt.Errorf("stages: the plan has no sync %q", name)
}

func (r *Run) prepareObjects() error {
	var errs []error
	for _, spec := range r.sync.Objects {
		ct, ok := r.canon[spec.Object]
		if !ok {
			errs = append(errs, fmt.Errorf("object %q has no canonical type", spec.Object))
			continue
		}
		o := &object{spec: spec, canon: ct, mappers: map[match.Side]*records.Mapper{}}
		mo, err := match.NewObject(spec, ct)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		o.match = mo
		for _, side := range Sides {
			m, err := records.New(records.Spec{
				System: r.systems[side], Object: spec.Object, Canonical: ct,
				Settings: r.sync.Settings, Scope: spec.Scope, ScopeReason: spec.ScopeReason,
			})
			if err != nil {
				errs = append(errs, err)
				continue
			}
			o.mappers[side] = m
		}
		if spec.Enabled != "" {
			p, err := exprenv.Compile(exprenv.Enabled, spec.Enabled, exprenv.Shape{Settings: r.sync.Settings})
			if err != nil {
				errs = append(errs, fmt.Errorf("object %q: enabled: %w", spec.Object, err))
			}
			o.enabled = p
		}
		r.objects[spec.Object] = o
	}
	if len(errs) > 0 {
		return fmt.Errorf("stages: sync %q: %w", r.sync.Name, errors.Join(errs...))
	}
	if err := r.checkFlags(); err != nil {
		return fmt.Errorf("stages: sync %q: %w", r.sync.Name, err)
	}
	for _, o := range r.objects {
		o.match.SetRunWritten(r.runWritten(o)...)
	}
	if err := plan.Err(records.CheckDerived(r.sync, r.systems[match.PSA], r.systems[match.Doc])); err != nil {
		return fmt.Errorf("stages: sync %q: %w", r.sync.Name, err)
	}
	if err := r.checkOffers(); err != nil {
		return fmt.Errorf("stages: sync %q: %w", r.sync.Name, err)
	}
	return nil
}

// Sync returns the sync the run works on.
func (r *Run) Sync() plan.Sync { return r.sync }

// ID is the run id.
func (r *Run) ID() string { return r.cfg.RunID }

// Objects lists the sync's objects in stage order.
func (r *Run) Objects() []string {
	out := make([]string, len(r.sync.Objects))
	for i, o := range r.sync.Objects {
		out[i] = o.Object
	}
	return out
}

// Client returns the connector of one side.
func (r *Run) Client(side match.Side) *connectors.Client { return r.clients[side] }

// DB returns the run's scratch database (for reports and tests).
func (r *Run) DB() *match.Run { return r.db }

func (r *Run) object(name string) (*object, error) {
	o, ok := r.objects[name]
	if !ok {
		return nil, fmt.Errorf("stages: sync %q has no object %q", r.sync.Name, name)
	}
	return o, nil
}

// Enabled reports whether an object's stage runs, and if not, why: its
// enabled expression over the sync's settings is false (the contacts
// toggle).
func (r *Run) Enabled(name string) (bool, string, error) {
	o, err := r.object(name)
	if err != nil {
		return false, "", err
	}
	if o.enabled == nil {
		return true, "", nil
	}
	on, err := o.enabled.RunBool(exprenv.Env{Settings: r.sync.Settings})
	if err != nil {
		return false, "", fmt.Errorf("stages: object %q: enabled: %w", name, err)
	}
	if !on {
		return false, "switched off by the sync's settings (" + o.spec.Enabled + ")", nil
	}
	return true, "", nil
}

func (r *Run) progress(p Progress) {
	if r.cfg.Progress != nil {
		r.cfg.Progress(p)
	}
}

func (r *Run) closeClients() {
	for _, c := range r.clients {
		c.Close()
	}
}

// Close closes the connectors and the scratch database; the database
// stays on disk so a later step can reopen the run.
func (r *Run) Close() error {
	r.closeClients()
	if r.db == nil {
		return nil
	}
	return r.db.Close()
}

// Remove closes the run and deletes its scratch database (after Publish).
func (r *Run) Remove() error {
	r.closeClients()
	if r.db == nil {
		return nil
	}
	return r.db.Remove()
}
