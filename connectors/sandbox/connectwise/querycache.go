package connectwise

import (
	"strconv"
	"strings"
	"sync"

	"mapsync/connectors/sandbox/core"
)

// queryCache keeps the last results of filtered or sorted queries.
type queryCache struct {
	mu      sync.Mutex
	entries map[string]*cacheEntry
	tick    uint64
}

type cacheEntry struct {
	version uint64
	used    uint64
	recs    []*core.Record
}

// cacheSize bounds the number of cached query results.
const cacheSize = 16

func (c *queryCache) get(res *resource, parent *core.Record, q *listQuery, compute func() []*core.Record) []*core.Record {
	var b strings.Builder
	b.WriteString(res.name)
	if parent != nil {
		b.WriteString("\x00" + strconv.FormatInt(parent.ID, 10))
	}
	for _, c := range []*Conditions{q.cond, q.child} {
		b.WriteString("\x00")
		if c != nil {
			b.WriteString(c.String())
		}
	}
	for _, k := range q.order {
		b.WriteString("\x00" + strings.Join(k.path, "/"))
		if k.desc {
			b.WriteString(" desc")
		}
	}
	key := b.String()
	version := res.table.Version()
	c.mu.Lock()
	c.tick++
	if e, ok := c.entries[key]; ok && e.version == version {
		e.used = c.tick
		c.mu.Unlock()
		return e.recs
	}
	c.mu.Unlock()
	recs := compute()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]*cacheEntry{}
	}
	if len(c.entries) >= cacheSize {
		var oldest string
		for k, e := range c.entries {
			if oldest == "" || e.used < c.entries[oldest].used {
				oldest = k
			}
		}
		delete(c.entries, oldest)
	}
	c.entries[key] = &cacheEntry{version: version, used: c.tick, recs: recs}
	return recs
}
