package devserver

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// RegisterSearchAttributes makes sure the custom search attributes exist on
// namespace with the given types, and returns once the frontend accepts
// them in visibility queries (so workflows can be started with them).
// Attributes that already exist with the same type are left alone; one
// that exists with another type is an error.
//
// It works with any Temporal cluster. With SQL visibility (the embedded
// SQLite server) custom attributes are per namespace and map onto a fixed
// set of columns: at most 10 Keyword, and 3 each of Text, Int, Double, Bool,
// Datetime and KeywordList per namespace.
//
// It uses only the SDK, so it could live outside this package if a caller
// must not link the server.
func RegisterSearchAttributes(ctx context.Context, c client.Client, namespace string, attrs map[string]enumspb.IndexedValueType) error {
	if len(attrs) == 0 {
		return nil
	}
	existing, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("listing search attributes of namespace %q: %w", namespace, err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	var conflicts []error
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		want := attrs[name]
		have, ok := existing.GetCustomAttributes()[name]
		if !ok {
			have, ok = existing.GetSystemAttributes()[name]
		}
		switch {
		case !ok:
			missing[name] = want
		case have != want:
			conflicts = append(conflicts, fmt.Errorf("search attribute %s exists as %s, want %s", name, have, want))
		}
	}
	if err := errors.Join(conflicts...); err != nil {
		return fmt.Errorf("namespace %q: %w", namespace, err)
	}
	if len(missing) > 0 {
		_, err := c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
			Namespace:        namespace,
			SearchAttributes: missing,
		})
		if err != nil {
			return fmt.Errorf("adding search attributes %s to namespace %q: %w",
				strings.Join(slices.Sorted(maps.Keys(missing)), ", "), namespace, err)
		}
	}
	return waitSearchAttributesUsable(ctx, c, namespace, slices.Sorted(maps.Keys(attrs)))
}

// waitSearchAttributesUsable polls until a visibility query naming every
// attribute is accepted. The frontend validates attributes against its
// namespace cache, which refreshes a few seconds after a change.
func waitSearchAttributesUsable(ctx context.Context, c client.Client, namespace string, names []string) error {
	clauses := make([]string, len(names))
	for i, n := range names {
		clauses[i] = "`" + n + "` IS NULL"
	}
	req := &workflowservice.CountWorkflowExecutionsRequest{Namespace: namespace, Query: strings.Join(clauses, " OR ")}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		_, err := c.WorkflowService().CountWorkflowExecutions(ctx, req)
		var invalid *serviceerror.InvalidArgument
		if err == nil || !errors.As(err, &invalid) {
			if err != nil {
				return fmt.Errorf("checking search attributes of namespace %q: %w", namespace, err)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("search attributes of namespace %q not usable yet (%v): %w", namespace, err, ctx.Err())
		case <-tick.C:
		}
	}
}
