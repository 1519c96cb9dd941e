package dsl_test

import (
	"testing"

	"mapsync/dsl"
	"mapsync/engine/plan"
)

func TestFieldDirection(t *testing.T) {
	both := &dsl.Field{Access: plan.FieldBoth}
	read := &dsl.Field{Access: plan.FieldRead}
	write := &dsl.Field{Access: plan.FieldWrite}
	tests := []struct {
		name             string
		object, override string
		psa, doc         *dsl.Field
		want             string
		wantProblem      bool
	}{
		{"object default", plan.DirTwoWay, "", both, both, plan.DirTwoWay, false},
		{"override narrows", plan.DirTwoWay, plan.DirToDoc, both, both, plan.DirToDoc, false},
		{"read-only in the PSA narrows silently", plan.DirTwoWay, "", read, both, plan.DirToDoc, false},
		{"read-only in the doc system narrows silently", plan.DirTwoWay, "", both, read, plan.DirToPSA, false},
		{"read-only on both sides", plan.DirTwoWay, "", read, read, plan.DirNone, false},
		{"write-only PSA field cannot be read", plan.DirToDoc, "", write, both, plan.DirNone, false},
		{"one-way object keeps its direction", plan.DirToDoc, "", both, both, plan.DirToDoc, false},
		{"override wider than the object", plan.DirToDoc, plan.DirTwoWay, both, both, plan.DirToDoc, true},
		{"override against the object", plan.DirToDoc, plan.DirToPSA, both, both, plan.DirToDoc, true},
		{"explicit two_way on a read-only field", plan.DirTwoWay, plan.DirTwoWay, read, both, plan.DirToDoc, true},
		{"explicit to_psa on a read-only PSA field", plan.DirTwoWay, plan.DirToPSA, read, both, plan.DirNone, true},
		{"none is always possible", plan.DirToDoc, plan.DirNone, read, read, plan.DirNone, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problem := dsl.FieldDirection(tt.object, tt.override, tt.psa, tt.doc)
			if got != tt.want || (problem != "") != tt.wantProblem {
				t.Errorf("got %s (problem %q), want %s (problem %v)", got, problem, tt.want, tt.wantProblem)
			}
		})
	}
}
