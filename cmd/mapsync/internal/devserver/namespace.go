package devserver

import (
	"context"
	"fmt"
	"time"

	namespacepb "go.temporal.io/api/namespace/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"
)

// ensureRetention raises the workflow retention of namespace to min if it
// is shorter (a namespace made by an older mapsync or by another tool keeps
// SQLite's one-day default). A longer retention is left alone.
func ensureRetention(ctx context.Context, c client.Client, namespace string, min time.Duration) error {
	desc, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("describing namespace %q: %w", namespace, err)
	}
	if desc.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration() >= min {
		return nil
	}
	_, err = c.WorkflowService().UpdateNamespace(ctx, &workflowservice.UpdateNamespaceRequest{
		Namespace: namespace,
		Config:    &namespacepb.NamespaceConfig{WorkflowExecutionRetentionTtl: durationpb.New(min)},
	})
	if err != nil {
		return fmt.Errorf("raising the retention of namespace %q to %s: %w", namespace, min, err)
	}
	return nil
}
