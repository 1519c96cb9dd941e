package engine

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"mapsync/connectors"
)

// From mapping text to the wire: an object's envelope block, its create
// and update shapes and a lookup's envelope and paging, compiled and run
// by the connector against a server speaking that protocol.
func TestWireDeclarationsRun(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body any
		_ = json.NewDecoder(r.Body).Decode(&body)
		b, _ := json.Marshal(body)
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.RequestURI()+" "+string(b))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/kinds":
			_, _ = w.Write([]byte(`{"values":[{"id":3,"label":"Billing"}]}`))
		case r.Method == http.MethodGet && r.URL.Path == "/people/9":
			_, _ = w.Write([]byte(`{"ok":true,"data":[{"id":9,"name":"Ann"}]}`))
		case r.Method == http.MethodGet && r.URL.Path == "/people/404":
			_, _ = w.Write([]byte(`{"ok":false,"code":404,"message":"no such person"}`))
		case r.Method == http.MethodPost && r.URL.Path == "/people":
			_, _ = w.Write([]byte(`{"ok":true,"data":[{"id":9,"name":"Ann"}]}`))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	src := `
variable "api" {
  env = "T_WIRE_API"
}
canonical "person" {
  field "name" {
    type = "string"
  }
  field "kind" {
    type = "string"
  }
}
system "api" {
  role     = "psa"
  base_url = var.api
  paging "page_number" {
    page_param = "page"
    size_param = "size"
    max_size   = 100
  }
  envelope {
    items = "items"
    item  = "item"
  }
  object "person" {
    list_path = "/people"
    envelope {
      item    = "data"
      success = "ok"
      status  = "code"
    }
    create {
      body = "array"
    }
    update {
      method = "POST"
      path   = "/people"
      body   = "array"
    }
    field "name" {
      path = "name"
    }
    field "kind" {
      path       = "kind.name"
      write_path = "kind.id"
      lookup     = "kind"
    }
  }
  lookup "kind" {
    path  = "/kinds"
    label = "label"
    envelope {
      items = "values"
    }
    paging "none" {}
  }
}
`
	l := LoadFiles(map[string][]byte{"wire.hcl": []byte(src)})
	if l.Diags.HasErrors() {
		t.Fatal(l.Diags)
	}
	vars := connectors.NewResolver(l.Plan.Variables, func(name string) (string, bool) { return srv.URL, name == "T_WIRE_API" })
	c, err := connectors.New(l.Plan.Systems[0], vars)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if rec, err := c.Get(ctx, "person", "9"); err != nil || rec["name"] != "Ann" {
		t.Errorf("get: %v %v", rec, err)
	}
	if _, err := c.Get(ctx, "person", "404"); !errorsIs(err, connectors.ErrNotFound) {
		t.Errorf("get of a failure inside HTTP 200: %v", err)
	}
	if res := c.Create(ctx, "person", []connectors.WriteRecord{{Fields: map[string]any{"name": "Ann"}}})[0]; res.Status != connectors.StatusOK || res.ID != "9" {
		t.Errorf("create %+v", res)
	}
	if res := c.Update(ctx, "person", []connectors.Update{{ID: "9", Fields: map[string]any{"name": "Anna"}}})[0]; res.Status != connectors.StatusOK {
		t.Errorf("update %+v", res)
	}
	tbl, err := c.Lookup(ctx, "kind")
	if id, ok := tbl.ID("Billing", ""); err != nil || !ok || id != "3" {
		t.Errorf("lookup: %q %v %v", id, ok, err)
	}
	want := []string{
		`GET /people/9 null`,
		`GET /people/404 null`,
		`POST /people [{"name":"Ann"}]`,
		`POST /people [{"id":9,"name":"Anna"}]`,
		`GET /kinds null`,
	}
	if got := strings.Join(seen, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
