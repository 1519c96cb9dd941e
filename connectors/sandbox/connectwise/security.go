package connectwise

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"mapsync/connectors/sandbox/core"
)

// Service-board associations and the API member's security role: what a
// scanner integration reads to check a type/subtype/item combination and
// to find what the API member may do.
//
// Design (the sandbox's, documented in docs/sandboxes.md): a security role
// holds one setting per module function with four right levels
// (addLevel, editLevel, deleteLevel, inquireLevel), each "All", "Mine" or
// "None". GET /system/myAccount answers the API member with its
// securityRole reference.

// APIRoleName is the security role the seeded API member holds.
const APIRoleName = "API Member"

// Right levels of a security role setting.
const (
	LevelAll  = "All"
	LevelMine = "Mine"
	LevelNone = "None"
)

// apiMemberID is the id the API member's record answers with; it is above
// the seeded technicians' ids.
const apiMemberID = 900

// extraResources are the collections this file adds to schema().
func extraResources() []*resource {
	ref := func(name, target string) field { return field{name: name, kind: fRef, ref: target} }
	str := func(name string) field { return field{name: name, kind: fString, max: 100} }
	return []*resource{
		{name: "boardAssociations", singular: "typeSubTypeItemAssociation", path: "/service/boards/{parentId}/typeSubTypeItemAssociations",
			parent: "boards", parentField: "board", readOnly: true,
			fields: []field{{name: "board", kind: fRef, ref: "boards", readOnly: true}, ref("type", "boardTypes"), ref("subType", "boardSubtypes"), ref("item", "boardItems")}},
		{name: "securityRoles", singular: "securityRole", path: "/system/securityroles", nameField: "name", readOnly: true,
			fields: []field{str("name"), str("roleType"), {name: "adminFlag", kind: fBool}}},
		{name: "securityRoleSettings", singular: "securityRoleSetting", path: "/system/securityroles/{parentId}/settings",
			parent: "securityRoles", parentField: "securityRoleId", parentInt: true, nameField: "moduleFunctionName", readOnly: true,
			fields: []field{{name: "securityRoleId", kind: fInt, readOnly: true}, str("moduleIdentifier"), str("moduleFunctionIdentifier"), str("moduleFunctionName"),
				str("addLevel"), str("editLevel"), str("deleteLevel"), str("inquireLevel")}},
	}
}

// grant is one module function of the API member's role.
type grant struct {
	module, function        string
	add, edit, del, inquire bool
}

// apiGrants is what the API member's role allows: what a scanner
// integration needs (companies, configurations, tickets and their closing,
// reports, members, my company, and the setup tables it reads), plus a few
// functions it does not need, left at None.
var apiGrants = []grant{
	{"Companies", "Company Maintenance", false, false, false, true},
	{"Companies", "Configurations", true, true, false, true},
	{"Finance", "BrightGauge", false, false, false, true},
	{"Service Desk", "Service Tickets", true, true, false, true},
	{"Service Desk", "Close Service Tickets", true, true, false, true},
	{"System", "API Reports", false, false, false, true},
	{"System", "Member Maintenance", false, false, false, true},
	{"System", "My Company", false, false, false, true},
	{"System", "Table Setup: Company / Configuration", true, false, false, true},
	{"System", "Table Setup: Company / Company Status", true, false, false, true},
	{"System", "Table Setup: Company / Company Type", true, false, false, true},
	{"System", "Table Setup: Service / Priority", true, false, false, true},
	{"System", "Table Setup: Service / Service Board", true, false, false, true},
	{"System", "Table Setup: Service / Source", true, false, false, true},
	{"Finance", "Invoicing", false, false, false, false},
	{"Service Desk", "Resource Scheduling", false, false, false, false},
	{"Companies", "Contacts", false, false, false, false},
}

func level(b bool) string {
	if b {
		return LevelAll
	}
	return LevelNone
}

func identifierOf(s string) string {
	return strings.NewReplacer(" ", "", "/", "", ":", "", "(", "", ")", "").Replace(s)
}

// security seeds the associations of every board, the security roles and
// the API member's role settings.
func (sd *seeder) security() error {
	for _, b := range sd.d.Ref.Boards {
		board := sd.ref("boards", b.Name, "board")
		for i, t := range b.Types {
			for j, sub := range b.Subtypes {
				// Subtype j belongs to type j mod len(types); every item to each pair.
				if j%len(b.Types) != i {
					continue
				}
				for _, it := range b.Items {
					key := b.Name + "/" + t + "/" + sub + "/" + it
					if _, err := sd.putRef("boardAssociations", key, map[string]any{"board": board,
						"type":    sd.ref("boardTypes", b.Name+"/"+t, "type"),
						"subType": sd.ref("boardSubtypes", b.Name+"/"+sub, "subType"),
						"item":    sd.ref("boardItems", b.Name+"/"+it, "item")}); err != nil {
						return err
					}
				}
			}
		}
	}
	for _, r := range []struct {
		name, typ string
		admin     bool
	}{{"Admin", "Admin", true}, {APIRoleName, "Regular", false}} {
		if _, err := sd.putRef("securityRoles", r.name, map[string]any{"name": r.name, "roleType": r.typ, "adminFlag": r.admin}); err != nil {
			return err
		}
	}
	role := sd.byName["securityRoles"][strings.ToLower(APIRoleName)]
	for _, g := range apiGrants {
		data := map[string]any{"securityRoleId": role.ID, "moduleIdentifier": identifierOf(g.module),
			"moduleFunctionIdentifier": identifierOf(g.function), "moduleFunctionName": g.function,
			"addLevel": level(g.add), "editLevel": level(g.edit), "deleteLevel": level(g.del), "inquireLevel": level(g.inquire)}
		if _, err := sd.putRef("securityRoleSettings", g.module+"/"+g.function, data); err != nil {
			return err
		}
	}
	return nil
}

// rightField maps a right ("add", "edit", "delete", "inquire", any case)
// to its setting field.
func rightField(right string) (string, bool) {
	switch strings.ToLower(right) {
	case "add", "edit", "delete", "inquire":
		return strings.ToLower(right) + "Level", true
	}
	return "", false
}

// SetRight sets one right level of the API member's role for a module
// function (module and function by name, case-insensitive; level All,
// Mine or None). Tests use it to take permissions away.
func (s *Sandbox) SetRight(module, function, right, lvl string) error {
	f, ok := rightField(right)
	if !ok {
		return fmt.Errorf("connectwise sandbox: unknown right %q (add, edit, delete, inquire)", right)
	}
	if lvl != LevelAll && lvl != LevelMine && lvl != LevelNone {
		return fmt.Errorf("connectwise sandbox: unknown level %q (All, Mine, None)", lvl)
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	role := s.apiRole()
	if role == nil {
		return fmt.Errorf("connectwise sandbox: no %q security role (seed first)", APIRoleName)
	}
	res := s.byName["securityRoleSettings"]
	rec := findBy(res, func(r *core.Record) bool {
		return num64(r.Data["securityRoleId"]) == role.ID &&
			strings.EqualFold(fmt.Sprint(r.Data["moduleIdentifier"]), identifierOf(module)) &&
			strings.EqualFold(fmt.Sprint(r.Data["moduleFunctionName"]), function)
	})
	if rec == nil {
		return fmt.Errorf("connectwise sandbox: the role has no setting for %s / %s", module, function)
	}
	_, err := res.table.Update(rec.ID, func(d map[string]any) error { d[f] = lvl; return nil })
	return err
}

// RevokeRight sets a right of the API member's role to None.
func (s *Sandbox) RevokeRight(module, function, right string) error {
	return s.SetRight(module, function, right, LevelNone)
}

func (s *Sandbox) apiRole() *core.Record {
	return findBy(s.byName["securityRoles"], func(r *core.Record) bool {
		return strings.EqualFold(fmt.Sprint(r.Data["name"]), APIRoleName)
	})
}

func num64(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int:
		return int64(x)
	case float64:
		return int64(x)
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
	}
	return -1
}

// securityRoutes adds GET /system/myAccount.
func (s *Sandbox) securityRoutes(mux *router) {
	mux.handle("GET", Base+"/system/myAccount", s.authed(s.myAccount))
}

// myAccount answers the API member (the one whose keys authenticated).
func (s *Sandbox) myAccount(w http.ResponseWriter, r *http.Request) {
	m := map[string]any{"id": apiMemberID, "identifier": s.opts.APIMember, "firstName": "API", "lastName": "Member",
		"licenseClass": "A", "inactiveFlag": false, "apiSimulationFlag": false}
	if role := s.apiRole(); role != nil {
		m["securityRole"] = s.refTo(s.byName["securityRoles"], role, "securityRole")
	}
	b, err := json.Marshal(m)
	if err != nil {
		writeError(w, newAPIError(http.StatusInternalServerError, "ConnectWiseApi", "render: %v", err))
		return
	}
	writeJSON(w, http.StatusOK, b)
}

// checkAssociation refuses a ticket whose type, subtype and item are not
// one of its board's typeSubTypeItemAssociations.
func (s *Sandbox) checkAssociation(v *validator) {
	t, st, it := v.resolved["type"], v.resolved["subType"], v.resolved["item"]
	if t == nil || (st == nil && it == nil) {
		return
	}
	idOf := func(d map[string]any, f string) int64 {
		m, _ := d[f].(map[string]any)
		if m == nil {
			return 0
		}
		return num64(m["id"])
	}
	match := findBy(s.byName["boardAssociations"], func(r *core.Record) bool {
		return idOf(r.Data, "type") == t.ID && (st == nil || idOf(r.Data, "subType") == st.ID) && (it == nil || idOf(r.Data, "item") == it.ID)
	})
	if match == nil {
		v.fail("InvalidField", "subType", "The type / subtype / item combination is not associated with the board.")
	}
}
