package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vbauerster/mpb/v8"

	"mapsync/workflows"
)

// progressRun is a run's progress as the progress query returns it, poll
// after poll: two objects, the second with a deferred-reference pass.
func progressRun() []workflows.Progress {
	company := workflows.ObjectSummary{Object: "company", ExtractedPSA: 120, PagesPSA: 3, ExtractedDoc: 98, PagesDoc: 2, Matched: 90}
	contact := workflows.ObjectSummary{Object: "contact", ExtractedPSA: 40, PagesPSA: 1, ExtractedDoc: 35, PagesDoc: 1, Matched: 30}
	return []workflows.Progress{
		{Stage: "prepare"},
		{Stage: "extract", Object: "company"},
		{Stage: "match", Object: "company"},
		{Stage: "apply", Object: "company", Applied: 3, Planned: 10},
		{Stage: "apply", Object: "company", Applied: 7, Planned: 10},
		{Stage: "extract", Object: "contact", Done: []workflows.ObjectSummary{company}},
		{Stage: "apply", Object: "contact", Applied: 4, Planned: 5, Done: []workflows.ObjectSummary{company}},
		{Stage: "deferred", Object: "contact", Done: []workflows.ObjectSummary{company, contact}},
		{Stage: "apply", Object: "contact", Applied: 2, Planned: 2, Done: []workflows.ObjectSummary{company, contact}},
		{Stage: "commit", Done: []workflows.ObjectSummary{company, contact}},
		{Stage: "done", Done: []workflows.ObjectSummary{company, contact}},
	}
}

func TestProgressBarsShowObjectsAndOps(t *testing.T) {
	var buf bytes.Buffer
	v := newBarsView(&buf, "mapsync-sync-s", "run-1", mpb.WithWidth(200), mpb.WithAutoRefresh())
	for _, p := range progressRun() {
		v.update(p)
	}
	// (retry notes go above the bars through mpb's Progress.Write, which
	// shows them at its next refresh: not asserted here, that is timing)
	v.finish(nil)
	out := buf.String()
	assert.Contains(t, out, "run run-1 (workflow mapsync-sync-s)")
	for _, want := range []string{
		"company", "contact", "contact deferred", "commit",
		"psa 120 records/3 pages, doc 98 records/2 pages, matched 90",
		"psa 40 records/1 pages, doc 35 records/1 pages",
		"applied 7/10", "applied 4/5", "applied 2/2",
		"run done in",
	} {
		assert.Contains(t, out, want)
	}
}

func TestProgressBarsFailedRunAndStop(t *testing.T) {
	var buf bytes.Buffer
	v := newBarsView(&buf, "w", "run-2", mpb.WithWidth(200), mpb.WithAutoRefresh())
	runs := progressRun()
	v.update(runs[3])
	v.stop() // a question on Ctrl+C: the bars end where they are
	v.update(runs[4])
	v.finish(errors.New("boom"))
	v.stop() // after finish: nothing left to stop
	out := buf.String()
	assert.Contains(t, out, "applied 3/10")
	assert.Contains(t, out, "applied 7/10")
	assert.Contains(t, out, "run failed after")
}

func TestProgressNotTerminalKeepsJSONLines(t *testing.T) {
	var stdout, stderr bytes.Buffer
	v := newProgressView(&stdout, &stderr, "mapsync-sync-s", "run-1")
	_, isJSON := v.(*jsonView)
	require.True(t, isJSON, "a buffer is not a terminal")
	for _, p := range progressRun() {
		v.update(p)
	}
	v.retrying("retrying ApplyBatch (attempt 2): 503")
	v.stop()
	v.finish(nil)
	assert.Empty(t, stdout.String())
	var msgs, stages []string
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		assert.Equal(t, "run-1", m["run"])
		assert.Equal(t, "mapsync-sync-s", m["workflow"])
		msgs = append(msgs, m["message"].(string))
		if m["message"] == "stage" {
			stages = append(stages, m["stage"].(string)+"/"+m["object"].(string))
		}
	}
	assert.Equal(t, "run started", msgs[0])
	assert.Equal(t, "run ended", msgs[len(msgs)-1])
	assert.Contains(t, msgs, "retrying")
	assert.Equal(t, []string{"prepare/", "extract/company", "match/company", "apply/company", "extract/contact",
		"apply/contact", "deferred/contact", "apply/contact", "commit/", "done/"}, stages)
}
