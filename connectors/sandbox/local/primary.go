package local

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
)

// PrimarySites maps each ConnectWise company id to the id of its primary
// site (company.site), for companies that have one.
func (s *Systems) PrimarySites(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	for page := 1; ; page++ {
		var rows []map[string]any
		if err := s.cw(ctx, http.MethodGet, "/company/companies?pageSize=1000&page="+strconv.Itoa(page), nil, &rows); err != nil {
			return nil, err
		}
		for _, r := range rows {
			if site, ok := r["site"].(map[string]any); ok && site["id"] != nil {
				out[idString(r["id"])] = idString(site["id"])
			}
		}
		if len(rows) < 1000 {
			return out, nil
		}
	}
}

// FlaggedLocations maps each IT Glue organization id to the ids of its
// locations flagged primary, sorted.
func (s *Systems) FlaggedLocations(ctx context.Context) (map[string][]string, error) {
	out := map[string][]string{}
	for page := 1; ; page++ {
		var doc struct {
			Data []struct {
				ID         string         `json:"id"`
				Attributes map[string]any `json:"attributes"`
			} `json:"data"`
		}
		if err := s.itgGet(ctx, "/locations?page[size]=1000&page[number]="+strconv.Itoa(page), &doc); err != nil {
			return nil, err
		}
		for _, d := range doc.Data {
			if on, _ := d.Attributes["primary"].(bool); on {
				org := idString(d.Attributes["organization-id"])
				out[org] = append(out[org], d.ID)
				slices.Sort(out[org])
			}
		}
		if len(doc.Data) < 1000 {
			return out, nil
		}
	}
}

// SetPrimarySite flags a ConnectWise site primary (ConnectWise then points
// its company at it).
func (s *Systems) SetPrimarySite(ctx context.Context, company, site string) error {
	path := fmt.Sprintf("/company/companies/%s/sites/%s", company, site)
	return s.cw(ctx, http.MethodPatch, path, []map[string]any{{"op": "replace", "path": "primaryAddressFlag", "value": true}}, nil)
}

// ListSites lists the ids of a ConnectWise company's sites.
func (s *Systems) ListSites(ctx context.Context, company string) ([]string, error) {
	var rows []map[string]any
	if err := s.cw(ctx, http.MethodGet, "/company/companies/"+company+"/sites?pageSize=1000", nil, &rows); err != nil {
		return nil, err
	}
	var out []string
	for _, r := range rows {
		out = append(out, idString(r["id"]))
	}
	return out, nil
}
