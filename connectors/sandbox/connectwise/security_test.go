package connectwise

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"mapsync/connectors/sandbox/core"
)

// idByName lists a collection and returns the id of the record named name.
func (e *harness) idByName(path, name string) int64 {
	e.t.Helper()
	recs, _ := e.list(path + "?pageSize=1000")
	for _, r := range recs {
		if r["name"] == name {
			return num(r["id"])
		}
	}
	e.t.Fatalf("%s has no %q", path, name)
	return 0
}

func TestServiceSetupRoutes(t *testing.T) {
	e := newEnv(t, 3)
	boards, _ := e.list("/service/boards")
	if len(boards) != len(e.d.Ref.Boards) {
		t.Fatalf("boards = %d, want %d", len(boards), len(e.d.Ref.Boards))
	}
	alerts := itoa(e.idByName("/service/boards", "Alerts"))
	help := itoa(e.idByName("/service/boards", "Help Desk"))
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/service/boards/" + alerts + "/statuses", []string{"New", "Acknowledged", "Closed"}},
		{"/service/boards/" + help + "/statuses?conditions=" + q("closedStatus=true"), []string{"Resolved", "Closed"}},
		{"/service/boards/" + alerts + "/types", []string{"Monitoring", "Vulnerability"}},
		{"/service/boards/" + alerts + "/subtypes?orderBy=" + q("name desc"), []string{"Security", "Patch", "Disk", "Backup"}},
		{"/service/boards/" + alerts + "/items", []string{"Agent", "Scan Finding"}},
		{"/service/priorities?conditions=" + q(`name like "Priority 1%"`), []string{"Priority 1 - Emergency Response"}},
		{"/service/sources?conditions=" + q(`name="ConnectSecure"`), []string{"ConnectSecure"}},
	} {
		recs, _ := e.list(tc.path)
		var got []string
		for _, r := range recs {
			got = append(got, r["name"].(string))
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s = %v, want %v", tc.path, got, tc.want)
		}
	}
	// Paging on a nested collection: page 1 of 3 with a next link.
	page, r := e.list("/service/boards/" + help + "/statuses?pageSize=2&page=1")
	if len(page) != 2 || links(r.header.Get("Link"))["next"] == "" {
		t.Errorf("paged statuses: %d records, Link %q", len(page), r.header.Get("Link"))
	}
	// A status of one board is not found under another.
	alertsNew := e.idByName("/service/boards/"+alerts+"/statuses", "New")
	if r := e.get("/service/boards/" + help + "/statuses/" + itoa(alertsNew)); r.status != 404 {
		t.Errorf("cross-board status: %d, want 404", r.status)
	}
}

func TestBoardAssociations(t *testing.T) {
	e := newEnv(t, 2)
	alerts := itoa(e.idByName("/service/boards", "Alerts"))
	recs, _ := e.list("/service/boards/" + alerts + "/typeSubTypeItemAssociations?conditions=" + q(`type/name="Vulnerability"`) + "&orderBy=id")
	var got []string
	for _, r := range recs {
		got = append(got, refName(r, "subType")+"/"+refName(r, "item"))
		if refName(r, "board") != "Alerts" {
			t.Errorf("association board = %q", refName(r, "board"))
		}
	}
	want := "Disk/Agent|Disk/Scan Finding|Security/Agent|Security/Scan Finding"
	if strings.Join(got, "|") != want {
		t.Errorf("Vulnerability associations = %v, want %s", got, want)
	}
	if r := e.do("POST", "/service/boards/"+alerts+"/typeSubTypeItemAssociations", map[string]any{}, nil); r.status != 405 {
		t.Errorf("POST association: %d, want 405", r.status)
	}
}

func TestTicketCreateValidatesServiceReferences(t *testing.T) {
	e := newEnv(t, 2)
	alerts := e.idByName("/service/boards", "Alerts")
	help := e.idByName("/service/boards", "Help Desk")
	ab := "/service/boards/" + itoa(alerts)
	companies, _ := e.list("/company/companies?pageSize=1")
	ref := func(id int64) map[string]any { return map[string]any{"id": id} }
	base := func() map[string]any {
		return map[string]any{"summary": "Critical vulnerability", "company": ref(num(companies[0]["id"])), "board": ref(alerts),
			"status": ref(e.idByName(ab+"/statuses", "New")), "type": ref(e.idByName(ab+"/types", "Vulnerability")),
			"subType": ref(e.idByName(ab+"/subtypes", "Security")), "item": ref(e.idByName(ab+"/items", "Scan Finding")),
			"priority": ref(e.idByName("/service/priorities", "Priority 1 - Emergency Response")),
			"source":   ref(e.idByName("/service/sources", "ConnectSecure"))}
	}
	r := e.do("POST", "/service/tickets", base(), nil)
	if r.status != 201 {
		t.Fatalf("valid ticket: %d %s", r.status, r.body)
	}
	var tk map[string]any
	r.json(t, &tk)
	if refName(tk, "subType") != "Security" || refName(tk, "source") != "ConnectSecure" {
		t.Errorf("created ticket = %v", tk)
	}
	for _, tc := range []struct {
		name, field string
		change      func(m map[string]any)
	}{
		{"subtype not associated with the type", "subType", func(m map[string]any) { m["subType"] = ref(e.idByName(ab+"/subtypes", "Backup")) }},
		{"status of another board", "status", func(m map[string]any) {
			m["status"] = ref(e.idByName("/service/boards/"+itoa(help)+"/statuses", "New"))
		}},
		{"unknown priority", "priority", func(m map[string]any) { m["priority"] = ref(999999) }},
		{"unknown source", "source", func(m map[string]any) { m["source"] = ref(999999) }},
		{"item of another board", "item", func(m map[string]any) {
			m["item"] = ref(e.idByName("/service/boards/"+itoa(help)+"/items", "Server"))
		}},
	} {
		body := base()
		tc.change(body)
		r := e.do("POST", "/service/tickets", body, nil)
		if r.status != 400 {
			t.Errorf("%s: %d %s, want 400", tc.name, r.status, r.body)
			continue
		}
		eb := r.errorBody(t)
		if eb.Code != "InvalidObject" || len(eb.Errors) == 0 || eb.Errors[0].Field != tc.field {
			t.Errorf("%s: error body %s, want InvalidObject on %s", tc.name, r.body, tc.field)
		}
	}
}

func TestTicketNotesCreateAndList(t *testing.T) {
	e := newEnv(t, 2)
	tickets, _ := e.list("/service/tickets?pageSize=1")
	notes := "/service/tickets/" + itoa(num(tickets[0]["id"])) + "/notes"
	before, _ := e.list(notes + "?pageSize=1000")
	for _, n := range []map[string]any{
		{"text": "external update", "detailDescriptionFlag": true},
		{"text": "internal analysis", "internalAnalysisFlag": true},
	} {
		if r := e.do("POST", notes, n, nil); r.status != 201 {
			t.Fatalf("POST note: %d %s", r.status, r.body)
		}
	}
	all, _ := e.list(notes + "?pageSize=1000")
	if len(all) != len(before)+2 {
		t.Errorf("notes = %d, want %d", len(all), len(before)+2)
	}
	internal, _ := e.list(notes + "?conditions=" + q(`internalAnalysisFlag=true and text="internal analysis"`))
	if len(internal) != 1 || internal[0]["dateCreated"] == nil {
		t.Errorf("internal notes = %v", internal)
	}
}

func TestSecurityRoleOfTheAPIMember(t *testing.T) {
	e := newEnv(t, 1)
	var me map[string]any
	r := e.get("/system/myAccount")
	if r.status != 200 {
		t.Fatalf("myAccount: %d %s", r.status, r.body)
	}
	r.json(t, &me)
	if refName(me, "securityRole") != APIRoleName || me["identifier"] != "sandboxapi" {
		t.Fatalf("myAccount = %v", me)
	}
	role := itoa(num(me["securityRole"].(map[string]any)["id"]))
	settings := "/system/securityroles/" + role + "/settings"
	all, _ := e.list(settings + "?pageSize=1000")
	if len(all) != len(apiGrants) {
		t.Errorf("settings = %d, want %d", len(all), len(apiGrants))
	}
	cond := settings + "?conditions=" + q(`moduleIdentifier="ServiceDesk" and moduleFunctionName="Service Tickets"`)
	one, _ := e.list(cond)
	if len(one) != 1 || one[0]["addLevel"] != LevelAll || one[0]["inquireLevel"] != LevelAll || one[0]["deleteLevel"] != LevelNone {
		t.Fatalf("Service Tickets setting = %v", one)
	}
	if err := e.sb.RevokeRight("Service Desk", "service tickets", "Add"); err != nil {
		t.Fatal(err)
	}
	one, _ = e.list(cond)
	if one[0]["addLevel"] != LevelNone || one[0]["editLevel"] != LevelAll {
		t.Errorf("after revoking add: %v", one[0])
	}
	if err := e.sb.SetRight("Service Desk", "Service Tickets", "add", LevelMine); err != nil {
		t.Fatal(err)
	}
	if one, _ = e.list(cond); one[0]["addLevel"] != LevelMine {
		t.Errorf("after setting Mine: %v", one[0])
	}
	for _, bad := range [][4]string{{"Service Desk", "Service Tickets", "approve", LevelNone}, {"Service Desk", "Service Tickets", "add", "Some"}, {"Service Desk", "No Such", "add", LevelNone}} {
		if err := e.sb.SetRight(bad[0], bad[1], bad[2], bad[3]); err == nil {
			t.Errorf("SetRight%v: no error", bad)
		}
	}
	roles, _ := e.list("/system/securityroles?conditions=" + q("adminFlag=false"))
	if len(roles) != 1 || roles[0]["name"] != APIRoleName {
		t.Errorf("non-admin roles = %v", roles)
	}
	if r := e.do("PATCH", settings+"/"+itoa(num(all[0]["id"])), []map[string]any{{"op": "replace", "path": "addLevel", "value": "All"}}, nil); r.status != 405 {
		t.Errorf("PATCH setting: %d, want 405", r.status)
	}
}

// The security role and the associations survive a fixture round trip:
// a loaded sandbox still revokes rights and refuses a foreign combination.
func TestSecurityAndAssociationsAfterFixtureLoad(t *testing.T) {
	e := newEnv(t, 1)
	var buf bytes.Buffer
	if err := e.sb.DumpFixture(&buf); err != nil {
		t.Fatal(err)
	}
	sb := New(Options{})
	if err := sb.LoadFixture(&buf); err != nil {
		t.Fatal(err)
	}
	if err := sb.RevokeRight("Companies", "Configurations", "edit"); err != nil {
		t.Fatalf("RevokeRight after load: %v", err)
	}
	if n := sb.Count("boardAssociations"); n != e.sb.Count("boardAssociations") || n == 0 {
		t.Errorf("associations after load = %d, want %d", n, e.sb.Count("boardAssociations"))
	}
	board := findBy(sb.byName["boards"], func(r *core.Record) bool { return r.Data["name"] == "Alerts" })
	pick := func(coll, name string) map[string]any {
		rec := findBy(sb.byName[coll], func(r *core.Record) bool {
			b, _ := r.Data["board"].(map[string]any)
			return r.Data["name"] == name && num64(b["id"]) == board.ID
		})
		if rec == nil {
			t.Fatalf("%s %q not found after load", coll, name)
		}
		return map[string]any{"id": json.Number(itoa(rec.ID))}
	}
	company := sb.byName["companies"].table.All()[0]
	in := map[string]any{"summary": "x", "company": map[string]any{"id": json.Number(itoa(company.ID))}, "board": map[string]any{"id": json.Number(itoa(board.ID))},
		"type": pick("boardTypes", "Vulnerability"), "subType": pick("boardSubtypes", "Backup")}
	sb.writeMu.Lock()
	_, apiErr := sb.create(sb.byName["tickets"], nil, in)
	sb.writeMu.Unlock()
	if apiErr == nil || len(apiErr.Errors) == 0 || apiErr.Errors[0].Field != "subType" {
		t.Errorf("foreign combination after load: %v", apiErr)
	}
	in["subType"] = pick("boardSubtypes", "Security")
	sb.writeMu.Lock()
	_, apiErr = sb.create(sb.byName["tickets"], nil, in)
	sb.writeMu.Unlock()
	if apiErr != nil {
		t.Errorf("associated combination after load: %v", apiErr)
	}
}
