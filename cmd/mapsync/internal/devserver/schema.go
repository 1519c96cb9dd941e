package devserver

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/schema/sqlite"
	"google.golang.org/protobuf/types/known/durationpb"
)

// prepareDB sets up the schema if the SQLite file is new and creates every
// missing namespace with the given retention and search attributes. It
// runs before the server starts; namespaces that exist are left as they are
// (Start raises their retention afterwards through the API).
func prepareDB(sql *config.SQL, path string, namespaces []string, retention time.Duration, attrs map[string]enumspb.IndexedValueType) error {
	_, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := sqlite.SetupSchema(sql); err != nil {
			// A half-made file would never be set up again: remove it so
			// the next start retries from scratch.
			_ = os.Remove(path)
			return fmt.Errorf("setting up the Temporal schema in %s: %w", path, err)
		}
	case err != nil:
		return fmt.Errorf("checking %s: %w", path, err)
	}

	configs := make([]*sqlite.NamespaceConfig, 0, len(namespaces))
	for _, ns := range namespaces {
		c, err := sqlite.NewNamespaceConfig(clusterName, ns, false, attrs)
		if err != nil {
			return fmt.Errorf("namespace %q: %w", ns, err)
		}
		c.Detail.Config.Retention = durationpb.New(retention)
		configs = append(configs, c)
	}
	if err := sqlite.CreateNamespaces(sql, configs...); err != nil {
		return fmt.Errorf("creating namespaces in %s: %w", path, err)
	}
	return nil
}
