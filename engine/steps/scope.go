package steps

import (
	"context"
	"fmt"
	"strings"

	"mapsync/engine/match"
	"mapsync/engine/plan"
	"mapsync/engine/records"
)

// inheritScope puts out of scope every staged record whose scope_by parent
// (its organization) is out of scope on the same side: a site of a
// prospect is no more synced than the prospect.
func (r *Run) inheritScope(ctx context.Context, o *object, side match.Side) error {
	parent := r.scopeParent(o)
	if parent == nil {
		return nil
	}
	child, err := r.stageTable(ctx, o, side)
	if err != nil {
		return err
	}
	ptable, err := r.stageTable(ctx, parent, side)
	if err != nil {
		return err
	}
	f := o.spec.Match.ScopeBy
	col := quote(f)
	_, err = r.db.DB().ExecContext(ctx, `UPDATE `+child+` SET _scope_reason = ? || p._scope_reason
		FROM `+ptable+` p WHERE p._id = `+child+`.`+col+` AND p._scope_reason IS NOT NULL AND `+child+`._scope_reason IS NULL`,
		"its "+f+" is out of scope: ")
	if err != nil {
		return fmt.Errorf("inherit the scope of %s: %w", f, err)
	}
	return nil
}

// flagRef is a flag reference of another object that points at the
// records of this one: owner.field is the id of the record of this object
// whose flag is set and whose back reference (back) is the owner.
type flagRef struct {
	owner string // object holding the flag field, e.g. organization
	field string // e.g. primary_location
	flag  string // path of the flag in this object's raw records, e.g. attributes.primary
	back  string // field of this object referencing the owner, e.g. organization
}

// flagRefs lists the flag references pointing at object o on one side.
func (r *Run) flagRefs(o *object, side match.Side) []flagRef {
	var out []flagRef
	for _, owner := range r.sync.Objects {
		ow := r.objects[owner.Object]
		for _, f := range ow.mappers[side].FlagFields() {
			if f.Ref != o.spec.Object {
				continue
			}
			out = append(out, flagRef{owner: owner.Object, field: f.Name, flag: f.Flag, back: backRef(o, owner.Object)})
		}
	}
	return out
}

// runWritten lists the fields of o that a run writes on documentation
// records it does not own, so that their change is no user's edit of a
// waiting record (match.Object.SetRunWritten): o's flag references (read
// off the flags of other records, which the run sets and clears) and o's
// fields mapped to the flag of a flag reference pointing at o (setting
// the flag on one record clears it on the others of the same owner: the
// system or the run does).
func (r *Run) runWritten(o *object) []string {
	var out []string
	for _, f := range o.mappers[match.Doc].FlagFields() {
		out = append(out, f.Name)
	}
	for _, fr := range r.flagRefs(o, match.Doc) {
		for _, fs := range o.spec.Fields {
			if fs.DocPath == fr.flag {
				out = append(out, fs.Name)
			}
		}
	}
	return out
}

// backRef is the field of o referencing owner (records.BackRef).
func backRef(o *object, owner string) string { return records.BackRef(o.spec, o.canon, owner) }

// checkFlags refuses flag references the run cannot resolve
// (records.CheckFlags, which validate runs too).
func (r *Run) checkFlags() error {
	return plan.Err(records.CheckFlags(r.sync, r.cfg.Plan.Canonical, r.systems[match.PSA], r.systems[match.Doc]))
}

// resolveFlags sets, once object o is staged on a side, the flag
// references of other objects that point at o: the owner's field becomes
// the id of its first-created record of o whose flag is true.
func (r *Run) resolveFlags(ctx context.Context, o *object, side match.Side) error {
	for _, fr := range r.flagRefs(o, side) {
		target, err := r.stageTable(ctx, o, side)
		if err != nil {
			return err
		}
		owner, err := r.stageTable(ctx, r.objects[fr.owner], side)
		if err != nil {
			return err
		}
		col, back := quote(fr.field), quote(fr.back)
		_, err = r.db.DB().ExecContext(ctx, `UPDATE `+owner+` SET `+col+` = f.id
			FROM (SELECT x.`+back+` AS owner, first(x._id ORDER BY x._created NULLS LAST, x._id) AS id
				FROM `+target+` x
				WHERE x.`+back+` IS NOT NULL AND CAST(json_extract(x._raw, ?) AS VARCHAR) = 'true'
				GROUP BY ALL) f
			WHERE `+owner+`._id = f.owner`, jsonPointer(fr.flag))
		if err != nil {
			return fmt.Errorf("resolve %s.%s from the %s flag of %s: %w", fr.owner, fr.field, fr.flag, o.spec.Object, err)
		}
	}
	return nil
}

// quote quotes an SQL identifier.
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// jsonPointer turns a dotted path into an RFC 6901 pointer.
func jsonPointer(path string) string {
	var b strings.Builder
	for seg := range strings.SplitSeq(path, ".") {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(seg))
	}
	return b.String()
}
