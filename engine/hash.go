package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"mapsync/engine/plan"
)

// Hash returns the content hash of a plan: the sha256, in hex, of its JSON
// encoding with Hash empty. encoding/json writes map keys sorted and the
// compiler sorts every list that has no meaningful order, so equal mapping
// sets hash equal.
func Hash(p *plan.Plan) (string, error) {
	c := *p
	c.Hash = ""
	b, err := json.Marshal(&c)
	if err != nil {
		return "", fmt.Errorf("encode plan: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
