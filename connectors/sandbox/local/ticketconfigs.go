package local

import (
	"context"
	"net/http"
	"slices"
	"strconv"
)

// OpenTickets lists the ids of the ConnectWise tickets that are not
// closed, with their company ids.
func (s *Systems) OpenTickets(ctx context.Context) (map[string]string, error) {
	var rows []map[string]any
	if err := s.cw(ctx, http.MethodGet, "/service/tickets?pageSize=1000&conditions=closedFlag%3Dfalse", nil, &rows); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, r := range rows {
		co, _ := r["company"].(map[string]any)
		out[idString(r["id"])] = idString(co["id"])
	}
	return out, nil
}

// CompanyConfigurations lists the ids of a ConnectWise company's
// configurations.
func (s *Systems) CompanyConfigurations(ctx context.Context, company string) ([]string, error) {
	var rows []map[string]any
	if err := s.cw(ctx, http.MethodGet, "/company/configurations?pageSize=1000&conditions=company/id%3D"+company, nil, &rows); err != nil {
		return nil, err
	}
	var out []string
	for _, r := range rows {
		out = append(out, idString(r["id"]))
	}
	return out, nil
}

// AddTicketConfiguration links a configuration to a ConnectWise ticket
// (the ticket's lastUpdated does not move, as in ConnectWise).
func (s *Systems) AddTicketConfiguration(ctx context.Context, ticket, config string) error {
	id, err := strconv.ParseInt(config, 10, 64)
	if err != nil {
		return err
	}
	return s.cw(ctx, http.MethodPost, "/service/tickets/"+ticket+"/configurations", map[string]any{"id": id}, nil)
}

// DocTicketConfigurations lists the configuration ids of an IT Glue
// ticket, sorted.
func (s *Systems) DocTicketConfigurations(ctx context.Context, ticket string) ([]string, error) {
	var doc struct {
		Data struct {
			Attributes map[string]any `json:"attributes"`
		} `json:"data"`
	}
	if err := s.itgGet(ctx, "/tickets/"+ticket, &doc); err != nil {
		return nil, err
	}
	ids, _ := doc.Data.Attributes["configuration-ids"].([]any)
	var out []string
	for _, v := range ids {
		out = append(out, idString(v))
	}
	slices.Sort(out)
	return out, nil
}
