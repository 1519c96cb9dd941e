package tigerpaw

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func newAccount() map[string]any {
	return map[string]any{
		"AccountID": "NewCo", "AccountName": "New Co Holdings", "AccountType": "customer", "Status": "Active",
		"Address":      map[string]any{"Address1": "12 Elm St", "City": "Springfield", "State": "IL", "ZipCode": "62701", "Country": "United States"},
		"PhoneNumbers": []any{map[string]any{"Type": "Main", "Number": "(217) 555-0100", "Extension": "12", "IsPrimary": true}},
	}
}

func TestAccountLifecycle(t *testing.T) {
	e := newEnv(t, 3)
	before := e.sb.Count(Accounts)
	r := e.do("POST", "/accounts", newAccount(), nil)
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var acc map[string]any
	r.json(t, &acc)
	id := num(acc["AccountNumber"])
	if r.header.Get("Location") != fmt.Sprintf("%s/accounts/%d", Base, id) || id <= 1003 {
		t.Errorf("Location %q, number %d", r.header.Get("Location"), id)
	}
	if acc["AccountType"] != "Customer" || acc["CreatedBy"] != DefaultRepName || acc["ModifiedBy"] != DefaultRepName || acc["WebSite"] != nil {
		t.Errorf("created %v", acc)
	}
	if acc["DateCreated"] != "2026-02-01T09:00:00.000Z" || acc["DateModified"] != acc["DateCreated"] {
		t.Errorf("dates %v %v", acc["DateCreated"], acc["DateModified"])
	}
	if addr := acc["Address"].(map[string]any); addr["Address2"] != nil || addr["City"] != "Springfield" || len(addr) != 6 {
		t.Errorf("address %v", addr)
	}
	if got := e.one("accounts", id); fmt.Sprint(got) != fmt.Sprint(acc) {
		t.Errorf("GET differs from the POST answer:\n%v\n%v", got, acc)
	}
	if e.sb.Count(Accounts) != before+1 {
		t.Error("count did not grow")
	}

	// An address change is a plain field update: Address merges field by field.
	e.clock.Add(time.Minute)
	r = e.do("PATCH", fmt.Sprintf("/accounts/%d", id), map[string]any{"Address": map[string]any{"Address1": "40 Oak Ave", "Address2": "Suite 2"}}, nil)
	if r.status != 200 {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	var upd map[string]any
	r.json(t, &upd)
	addr := upd["Address"].(map[string]any)
	if addr["Address1"] != "40 Oak Ave" || addr["Address2"] != "Suite 2" || addr["City"] != "Springfield" {
		t.Errorf("merged address %v", addr)
	}
	if upd["DateModified"] != "2026-02-01T09:01:00.000Z" || upd["DateCreated"] != acc["DateCreated"] || upd["AccountName"] != acc["AccountName"] {
		t.Errorf("after patch %v", upd)
	}
	// A patch that changes nothing leaves DateModified alone; read-only fields may repeat their value.
	e.clock.Add(time.Minute)
	r = e.do("PATCH", fmt.Sprintf("/accounts/%d", id), map[string]any{"AccountName": "New Co Holdings", "AccountNumber": id, "DateModified": upd["DateModified"]}, nil)
	var same map[string]any
	r.json(t, &same)
	if r.status != 200 || same["DateModified"] != upd["DateModified"] {
		t.Errorf("no-op patch: %d %v", r.status, same["DateModified"])
	}
	// null clears; lists are replaced whole.
	r = e.do("PATCH", fmt.Sprintf("/accounts/%d", id), `{"Address":null,"AccountID":null,"PhoneNumbers":[{"Type":"Fax","Number":"1"}]}`, nil)
	r.json(t, &upd)
	if r.status != 200 || upd["Address"] != nil || upd["AccountID"] != nil || len(phonesOf(upd)) != 1 || phonesOf(upd)[0]["IsPrimary"] != false {
		t.Errorf("clearing patch: %d %v", r.status, upd)
	}
	// merge-patch media type is accepted on PATCH.
	r = e.do("PATCH", fmt.Sprintf("/accounts/%d", id), `{"Status":"Inactive"}`, map[string]string{"Content-Type": "application/merge-patch+json"})
	if r.status != 200 {
		t.Errorf("merge-patch+json: %d %s", r.status, r.body)
	}

	if r := e.do("DELETE", fmt.Sprintf("/accounts/%d", id), nil, nil); r.status != 204 || len(r.body) != 0 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if r := e.get(fmt.Sprintf("/accounts/%d", id)); r.status != 404 {
		t.Errorf("deleted account: %d", r.status)
	}
	if r := e.do("DELETE", fmt.Sprintf("/accounts/%d", id), nil, nil); r.status != 404 {
		t.Errorf("second delete: %d", r.status)
	}
	// An account with contacts cannot be deleted.
	_, seeded, _ := e.sb.IDForKey("c0001")
	r = e.do("DELETE", fmt.Sprintf("/accounts/%d", seeded), nil, nil)
	if r.status != 409 || r.errorBody(t).Code != "AccountHasContacts" {
		t.Errorf("delete with contacts: %d %s", r.status, r.body)
	}
}

func TestContactLifecycle(t *testing.T) {
	e := newEnv(t, 3)
	_, acc, _ := e.sb.IDForKey("c0002")
	body := map[string]any{
		"AccountNumber": acc, "FirstName": "Ada", "LastName": "Byron", "Title": "Analyst",
		"EmailAddresses": []any{map[string]any{"Address": "ada@example.com", "IsPrimary": true}},
		"PhoneNumbers": []any{
			map[string]any{"Type": "Business", "Number": "(555) 010-0001", "Extension": "7", "IsPrimary": true},
			map[string]any{"Type": "mobile", "Number": "(555) 010-0002"},
		},
	}
	r := e.do("POST", "/contacts", body, nil)
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var ct map[string]any
	r.json(t, &ct)
	id := num(ct["ContactNumber"])
	ph := phonesOf(ct)
	if ct["Active"] != true || ct["Address"] != nil || ph[1]["Type"] != "Mobile" || ph[1]["IsPrimary"] != false || ph[0]["Extension"] != "7" {
		t.Errorf("created %v", ct)
	}
	if em := ct["EmailAddresses"].([]any)[0].(map[string]any); em["Type"] != "Business" {
		t.Errorf("email %v", em)
	}
	nested := e.list(fmt.Sprintf("/accounts/%d/contacts?pageSize=500", acc))
	if !slices.ContainsFunc(nested.Items, func(m map[string]any) bool { return num(m["ContactNumber"]) == id }) {
		t.Error("new contact not under its account")
	}
	// Deactivate, give an address; the account cannot change.
	r = e.do("PATCH", fmt.Sprintf("/contacts/%d", id), map[string]any{"Active": false, "Address": map[string]any{"Address1": "1 Main St", "City": "Dover"}}, nil)
	r.json(t, &ct)
	if r.status != 200 || ct["Active"] != false || ct["Address"].(map[string]any)["City"] != "Dover" {
		t.Errorf("patch: %d %v", r.status, ct)
	}
	if p := e.list(fmt.Sprintf("/contacts?accountNumber=%d&active=true&pageSize=500", acc)); slices.ContainsFunc(p.Items, func(m map[string]any) bool { return num(m["ContactNumber"]) == id }) {
		t.Error("inactive contact listed as active")
	}
	_, other, _ := e.sb.IDForKey("c0003")
	r = e.do("PATCH", fmt.Sprintf("/contacts/%d", id), map[string]any{"AccountNumber": other}, nil)
	if r.status != 400 || !slices.Contains(r.fields(t), "AccountNumber:ReadOnly") {
		t.Errorf("moving a contact: %d %s", r.status, r.body)
	}
	if r := e.do("DELETE", fmt.Sprintf("/contacts/%d", id), nil, nil); r.status != 204 {
		t.Errorf("delete: %d %s", r.status, r.body)
	}
	if r := e.get(fmt.Sprintf("/contacts/%d", id)); r.status != 404 {
		t.Errorf("deleted contact: %d", r.status)
	}
}

func TestValidationErrors(t *testing.T) {
	e := newEnv(t, 3)
	_, acc, _ := e.sb.IDForKey("c0001")
	seededID := e.d.PSA.Companies[1].Identifier
	with := func(base map[string]any, k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range base {
			m[kk] = vv
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	okContact := map[string]any{"AccountNumber": acc, "FirstName": "A", "LastName": "B"}
	for _, tc := range []struct {
		name, path string
		body       any
		want       []string
	}{
		{"missing name", "/accounts", with(newAccount(), "AccountName", nil), []string{"AccountName:Required"}},
		{"blank name", "/accounts", with(newAccount(), "AccountName", "  "), []string{"AccountName:Required"}},
		{"unknown type", "/accounts", with(newAccount(), "AccountType", "Supplier"), []string{"AccountType:NotInList"}},
		{"unknown status", "/accounts", with(newAccount(), "Status", "Gone"), []string{"Status:NotInList"}},
		{"wrong case field", "/accounts", with(newAccount(), "accountName", "x"), []string{"accountName:UnknownField"}},
		{"unknown field", "/accounts", with(newAccount(), "Locations", []any{}), []string{"Locations:UnknownField"}},
		{"number given", "/accounts", with(newAccount(), "AccountNumber", 5), []string{"AccountNumber:ReadOnly"}},
		{"duplicate AccountID", "/accounts", with(newAccount(), "AccountID", strings.ToLower(seededID)), []string{"AccountID:Duplicate"}},
		{"missing parent", "/accounts", with(newAccount(), "ParentAccountNumber", 999999), []string{"ParentAccountNumber:NotFound"}},
		{"name too long", "/accounts", with(newAccount(), "AccountName", strings.Repeat("x", 101)), []string{"AccountName:TooLong"}},
		{"number as string type", "/accounts", with(newAccount(), "AccountName", 12), []string{"AccountName:InvalidType"}},
		{"address field", "/accounts", with(newAccount(), "Address", map[string]any{"Street": "x"}), []string{"Address.Street:UnknownField"}},
		{"zip too long", "/accounts", with(newAccount(), "Address", map[string]any{"ZipCode": strings.Repeat("9", 21)}), []string{"Address.ZipCode:TooLong"}},
		{"two primaries", "/accounts", with(newAccount(), "PhoneNumbers", []any{
			map[string]any{"Type": "Main", "Number": "1", "IsPrimary": true}, map[string]any{"Type": "Fax", "Number": "2", "IsPrimary": true}}), []string{"PhoneNumbers:MultiplePrimary"}},
		{"phone type", "/accounts", with(newAccount(), "PhoneNumbers", []any{map[string]any{"Type": "Cell", "Number": "1"}}), []string{"PhoneNumbers[0].Type:NotInList"}},
		{"phone number", "/accounts", with(newAccount(), "PhoneNumbers", []any{map[string]any{"Type": "Main"}}), []string{"PhoneNumbers[0].Number:Required"}},
		{"extension", "/accounts", with(newAccount(), "PhoneNumbers", []any{map[string]any{"Type": "Main", "Number": "1", "Extension": "x12"}}), []string{"PhoneNumbers[0].Extension:InvalidFormat"}},
		{"phone field", "/accounts", with(newAccount(), "PhoneNumbers", []any{map[string]any{"Type": "Main", "Number": "1", "Primary": true}}), []string{"PhoneNumbers[0].Primary:UnknownField"}},
		{"contact without account", "/contacts", with(okContact, "AccountNumber", nil), []string{"AccountNumber:Required"}},
		{"contact of missing account", "/contacts", with(okContact, "AccountNumber", 999999), []string{"AccountNumber:NotFound"}},
		{"contact last name", "/contacts", with(okContact, "LastName", nil), []string{"LastName:Required"}},
		{"contact email", "/contacts", with(okContact, "EmailAddresses", []any{map[string]any{"Address": "nobody"}}), []string{"EmailAddresses[0].Address:InvalidFormat"}},
		{"contact email type", "/contacts", with(okContact, "EmailAddresses", []any{map[string]any{"Address": "a@b.c", "Type": "Work"}}), []string{"EmailAddresses[0].Type:NotInList"}},
		{"contact active type", "/contacts", with(okContact, "Active", "yes"), []string{"Active:InvalidType"}},
		{"contact type", "/contacts", with(okContact, "ContactType", "Owner"), []string{"ContactType:NotInList"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.sb.Count(Accounts) + e.sb.Count(Contacts)
			r := e.do("POST", tc.path, tc.body, nil)
			if r.status != 400 || r.errorBody(t).Code != "ValidationFailed" {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if got := r.fields(t); !slices.Equal(got, tc.want) {
				t.Errorf("errors %v, want %v", got, tc.want)
			}
			if e.sb.Count(Accounts)+e.sb.Count(Contacts) != before {
				t.Error("a refused write stored a record")
			}
		})
	}
	// A refused patch changes nothing.
	before := e.one("accounts", acc)
	r := e.do("PATCH", fmt.Sprintf("/accounts/%d", acc), map[string]any{"AccountName": "Renamed", "Status": "Gone"}, nil)
	if r.status != 400 || fmt.Sprint(e.one("accounts", acc)) != fmt.Sprint(before) {
		t.Errorf("refused patch: %d, record changed", r.status)
	}
}

func TestBodyErrors(t *testing.T) {
	e := newEnv(t, 3)
	for _, tc := range []struct {
		name   string
		method string
		body   any
		ctype  string
		status int
		code   string
	}{
		{"no content type", "POST", `{"AccountName":"x"}`, "-", 415, "UnsupportedMediaType"},
		{"text", "POST", `{"AccountName":"x"}`, "text/plain", 415, "UnsupportedMediaType"},
		{"merge patch on POST", "POST", `{"AccountName":"x"}`, "application/merge-patch+json", 415, "UnsupportedMediaType"},
		{"broken JSON", "POST", `{"AccountName":`, "", 400, "InvalidJson"},
		{"array", "POST", `[{"AccountName":"x"}]`, "", 400, "InvalidJson"},
		{"two values", "POST", `{} {}`, "", 400, "InvalidJson"},
		{"PATCH array", "PATCH", `[{"op":"replace","path":"/AccountName","value":"x"}]`, "", 400, "InvalidJson"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{}
			switch tc.ctype {
			case "-":
				hdr["Content-Type"] = ""
			case "":
			default:
				hdr["Content-Type"] = tc.ctype
			}
			path := "/accounts"
			if tc.method == "PATCH" {
				path = "/accounts/1001"
			}
			r := e.do(tc.method, path, tc.body, hdr)
			if r.status != tc.status || r.errorBody(t).Code != tc.code {
				t.Errorf("%d %s", r.status, r.body)
			}
		})
	}
}
