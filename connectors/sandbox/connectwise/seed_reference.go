package connectwise

import (
	"strings"

	"mapsync/connectors/sandbox/msp"
)

// reference seeds the vocabulary: types, statuses, countries and states,
// manufacturers, members, boards, priorities and sources.
func (sd *seeder) reference() error {
	ref := sd.d.Ref
	type item struct {
		coll, name string
		data       map[string]any
	}
	var items []item
	add := func(coll, name string, data map[string]any) { items = append(items, item{coll, name, data}) }
	for _, n := range ref.CompanyTypes {
		add("companyTypes", n, map[string]any{"name": n, "defaultFlag": n == msp.TypeCustomer, "vendorFlag": n == msp.TypeVendor, "serviceAlertFlag": false})
	}
	for _, n := range ref.CompanyStatuses {
		add("companyStatuses", n, map[string]any{"name": n, "defaultFlag": n == msp.StatusActive, "inactiveFlag": n == msp.StatusInactive,
			"notifyFlag": false, "disallowSavingFlag": n == msp.StatusNotAppr, "customNoteFlag": false, "cancelOpenTracksFlag": false})
	}
	for _, c := range ref.Countries {
		add("countries", c.Name, map[string]any{"name": c.Name, "defaultFlag": c.Code == "US", "currencyCode": map[string]string{"US": "USD", "CA": "CAD", "GB": "GBP"}[c.Code]})
	}
	for _, m := range ref.Manufacturers {
		add("manufacturers", m.Name, map[string]any{"name": m.Name, "inactiveFlag": false})
	}
	for _, m := range ref.Members {
		first, last, _ := strings.Cut(m.Name, " ")
		add("members", m.Identifier, map[string]any{"identifier": m.Identifier, "firstName": first, "lastName": last, "title": "Service Technician",
			"inactiveFlag": false, "officeEmail": m.Identifier + "@sandbox-msp.com"})
	}
	for _, n := range ref.ContactTypes {
		add("contactTypes", n, map[string]any{"description": n, "defaultFlag": n == "End User"})
	}
	for _, ct := range []struct {
		name              string
		phone, fax, email bool
	}{{"Email", false, false, true}, {"Direct", true, false, false}, {"Work", true, false, false}, {"Mobile", true, false, false}, {"Home", true, false, false}, {"Fax", false, true, false}} {
		add("communicationTypes", ct.name, map[string]any{"description": ct.name, "phoneFlag": ct.phone, "faxFlag": ct.fax, "emailFlag": ct.email, "defaultFlag": ct.name == "Direct" || ct.name == "Email"})
	}
	for _, n := range ref.ConfigurationTypes {
		add("configurationTypes", n, map[string]any{"name": n, "inactiveFlag": false, "systemFlag": false})
	}
	for _, n := range ref.ConfigurationStatuses {
		add("configurationStatuses", n, map[string]any{"description": n, "closedFlag": n == msp.CfgStatusRetired || n == msp.CfgStatusInactive, "defaultFlag": n == msp.CfgStatusActive})
	}
	for _, b := range ref.Boards {
		add("boards", b.Name, map[string]any{"name": b.Name, "inactiveFlag": false, "projectFlag": b.Name == "Projects"})
	}
	for i, n := range ref.Priorities {
		add("priorities", n, map[string]any{"name": n, "color": []string{"Red", "Orange", "Yellow", "Green", "Blue"}[i%5], "sortOrder": i + 1, "defaultFlag": strings.HasPrefix(n, "Priority 3")})
	}
	for _, n := range ref.Sources {
		add("sources", n, map[string]any{"name": n, "defaultFlag": n == "Email"})
	}
	for _, it := range items {
		if _, err := sd.putRef(it.coll, it.name, it.data); err != nil {
			return err
		}
	}
	// Collections that reference the ones above.
	for _, c := range ref.Countries {
		for _, region := range c.Regions {
			data := map[string]any{"identifier": region, "name": msp.RegionName(region), "country": sd.ref("countries", c.Name, "country")}
			if _, err := sd.putRef("states", c.Name+"/"+region, data); err != nil {
				return err
			}
		}
	}
	for _, b := range ref.Boards {
		board := sd.ref("boards", b.Name, "board")
		for i, n := range b.Statuses {
			closed := n == "Closed" || n == "Resolved" || n == "Completed"
			if _, err := sd.putRef("boardStatuses", b.Name+"/"+n, map[string]any{"name": n, "board": board, "sortOrder": i, "displayOnBoard": !closed,
				"inactive": false, "closedStatus": closed, "defaultFlag": i == 0, "timeEntryNotAllowed": false}); err != nil {
				return err
			}
		}
		for _, sub := range []struct {
			coll  string
			names []string
		}{{"boardTypes", b.Types}, {"boardSubtypes", b.Subtypes}, {"boardItems", b.Items}} {
			for _, n := range sub.names {
				if _, err := sd.putRef(sub.coll, b.Name+"/"+n, map[string]any{"name": n, "board": board, "defaultFlag": false, "inactiveFlag": false}); err != nil {
					return err
				}
			}
		}
	}
	for _, t := range ref.ConfigurationTypes {
		for i, q := range typeQuestions(t) {
			data := map[string]any{"configurationType": sd.ref("configurationTypes", t, "configurationType"), "fieldType": "Text", "entryType": "EntryField",
				"sequenceNumber": i + 1, "question": q, "numberOfDecimals": 0, "requiredFlag": false, "inactiveFlag": false}
			if _, err := sd.putRef("configurationTypeQuestions", t+"/"+q, data); err != nil {
				return err
			}
		}
	}
	return nil
}

// typeQuestions are the configuration questions of a type.
func typeQuestions(t string) []string {
	switch t {
	case msp.CfgServer:
		return []string{"Backup Solution", "RAID Level"}
	case msp.CfgWorkstation, msp.CfgLaptop:
		return []string{"Primary User"}
	case msp.CfgFirewall:
		return []string{"WAN IP", "Firmware Version"}
	}
	return nil
}
