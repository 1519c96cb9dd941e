package connectsecure

import (
	"fmt"
	"slices"
)

// NewEvent is one event the scanner reports (AddEvents).
type NewEvent struct {
	CompanyID   int64
	AssetID     int64 // 0: not tied to an asset (Azure AD, AD events)
	Category    string
	Severity    string // Critical, High, Medium, Low, Info
	Title       string
	Description string
	OS          string
	Product     string
	Fix         string
	EventName   string
	User        string
}

// Severities lists the event severities, worst first, with their
// priority numbers (1 = Critical).
var Severities = []string{"Critical", "High", "Medium", "Low", "Info"}

// AddEvents stores a burst of open events, as a scan would report them,
// and returns their ids in order.
func (s *Sandbox) AddEvents(evs []NewEvent) ([]int64, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	ids := make([]int64, 0, len(evs))
	for i, e := range evs {
		if !slices.Contains(Categories, e.Category) {
			return ids, fmt.Errorf("connectsecure sandbox: event %d: unknown category %q", i, e.Category)
		}
		if _, ok := s.companies.Get(e.CompanyID); !ok {
			return ids, fmt.Errorf("connectsecure sandbox: event %d: no company %d", i, e.CompanyID)
		}
		sev := e.Severity
		if sev == "" {
			sev = "Medium"
		}
		pr := slices.Index(Severities, sev) + 1
		if pr == 0 {
			return ids, fmt.Errorf("connectsecure sandbox: event %d: unknown severity %q", i, sev)
		}
		rec := s.events.Insert(map[string]any{
			"company_id": e.CompanyID, "asset_id": e.AssetID, "category": e.Category,
			"severity": sev, "priority": pr, "title": e.Title, "description": e.Description,
			"os": e.OS, "product": e.Product, "fix": e.Fix, "event_name": e.EventName, "user": e.User,
			"status": StatusOpen, "resolved_at": nil,
		})
		ids = append(ids, rec.ID)
	}
	return ids, nil
}

// EventFilter selects events for ResolveEvents; zero fields match all,
// and IDs (when set) restricts to those ids.
type EventFilter struct {
	IDs       []int64
	CompanyID int64
	AssetID   int64
	Category  string
	Product   string
}

func (f EventFilter) match(id int64, d map[string]any) bool {
	if len(f.IDs) > 0 && !slices.Contains(f.IDs, id) {
		return false
	}
	if n, _ := asInt(d["company_id"]); f.CompanyID != 0 && n != f.CompanyID {
		return false
	}
	if n, _ := asInt(d["asset_id"]); f.AssetID != 0 && n != f.AssetID {
		return false
	}
	if f.Category != "" && d["category"] != f.Category {
		return false
	}
	return f.Product == "" || d["product"] == f.Product
}

// ResolveEvents marks the open events the filter selects resolved (as a
// rescan finding the problem fixed), stamping resolved_at and updated,
// and returns their ids.
func (s *Sandbox) ResolveEvents(f EventFilter) []int64 {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var ids []int64
	for _, r := range s.events.All() {
		if r.Data["status"] != StatusOpen || !f.match(r.ID, r.Data) {
			continue
		}
		now := fmtTime(s.opts.Clock())
		if _, err := s.events.Update(r.ID, func(d map[string]any) error {
			d["status"], d["resolved_at"] = StatusResolved, now
			return nil
		}); err == nil {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// SetAssetStatus marks an asset active or inactive (as the scanner does
// when a device stops or starts reporting), stamping updated and, for
// active, last_seen.
func (s *Sandbox) SetAssetStatus(id int64, status string) error {
	if status != StatusActive && status != StatusInactive {
		return fmt.Errorf("connectsecure sandbox: asset status %q is not active or inactive", status)
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	now := fmtTime(s.opts.Clock())
	if _, err := s.assets.Update(id, func(d map[string]any) error {
		d["status"] = status
		if status == StatusActive {
			d["last_seen"] = now
		}
		return nil
	}); err != nil {
		return fmt.Errorf("connectsecure sandbox: asset %d: %w", id, err)
	}
	return nil
}
