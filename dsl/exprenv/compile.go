package exprenv

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/types"
	"github.com/expr-lang/expr/vm"

	"mapsync/dsl/internal/suggest"
	"mapsync/engine/plan"
)

// maxNodes bounds the size of one program; mapping expressions are short.
const maxNodes = 2000

// Program is a compiled expression, safe for concurrent use.
type Program struct {
	kind   Kind
	source string
	prog   *vm.Program
}

// Kind returns what the program was compiled for.
func (p *Program) Kind() Kind { return p.kind }

// Source returns the program text.
func (p *Program) Source() string { return p.source }

// CompileError is a program that does not compile. Positions are inside the
// program text: Line is 1-based, Column and Offset count runes from 0.
type CompileError struct {
	Message string
	Line    int
	Column  int
	Offset  int // runes from the start of the program
	Length  int // runes covered, at least 1
}

func (e *CompileError) Error() string {
	return fmt.Sprintf("%d:%d: %s", e.Line, e.Column+1, e.Message)
}

// Compile compiles src as a program of the given kind against shape. The
// error, if any, is a *CompileError.
func Compile(kind Kind, src string, shape Shape) (p *Program, err error) {
	vars, err := kind.variables()
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(src) == "" {
		return nil, &CompileError{Message: "the expression is empty", Line: 1, Length: 1}
	}
	env := types.Map{}
	for _, v := range vars {
		switch v {
		case "value", "item":
			env[v] = types.Any
		case "record":
			if kind == ToCanonical || kind == DeriveEach || kind == DeriveID {
				env[v] = untypedMap()
			} else {
				env[v] = shape.recordType()
			}
		case "settings":
			env[v] = shape.settingsType()
		case RelatedVar:
			env[v] = relatedType
		}
	}
	opts := []expr.Option{expr.Env(env), expr.MaxNodes(maxNodes)}
	opts = append(opts, functionOptions()...)
	if kind == Scope || kind == Enabled {
		opts = append(opts, expr.AsBool())
	}
	defer func() { // the compiler is third-party code: never let it take the loader down
		if r := recover(); r != nil {
			p, err = nil, &CompileError{Message: fmt.Sprintf("the expression cannot be compiled: %v", r), Line: 1, Length: 1}
		}
	}()
	prog, cerr := expr.Compile(src, opts...)
	if cerr != nil {
		return nil, compileError(cerr, src, vars, shape)
	}
	if msg := checkResult(kind, shape.Result, prog); msg != "" {
		return nil, &CompileError{Message: msg, Line: 1, Length: utf8.RuneCountInString(src)}
	}
	return &Program{kind: kind, source: src, prog: prog}, nil
}

// MustCompile is Compile for programs known to be valid (tests, built-ins).
func MustCompile(kind Kind, src string, shape Shape) *Program {
	p, err := Compile(kind, src, shape)
	if err != nil {
		panic(err)
	}
	return p
}

func compileError(err error, src string, vars []string, shape Shape) *CompileError {
	ce := &CompileError{Message: err.Error(), Line: 1, Length: 1}
	var fe *file.Error
	if errors.As(err, &fe) {
		ce.Message = fe.Message
		ce.Line, ce.Column, ce.Offset = fe.Line, fe.Column, fe.From
		if ce.Line < 1 {
			ce.Line = 1
		}
		if fe.To > fe.From {
			ce.Length = fe.To - fe.From
		}
	}
	if n := utf8.RuneCountInString(src); ce.Offset > n {
		ce.Offset = n
	}
	ce.Message += hintFor(ce.Message, vars, shape)
	return ce
}

// hintFor adds a did-you-mean to expr's "unknown name x" / "unknown field x".
func hintFor(msg string, vars []string, shape Shape) string {
	var name string
	var candidates []string
	if rest, ok := strings.CutPrefix(msg, "unknown name "); ok {
		name = rest
		candidates = append(append(candidates, vars...), HelperNames()...)
	} else if rest, ok := strings.CutPrefix(msg, "unknown field "); ok {
		name = rest
		candidates = shape.names()
	}
	if name == "" {
		return ""
	}
	if hint := suggest.Hint(strings.Fields(name + " ")[0], candidates); hint != "" {
		return "." + hint
	}
	return ""
}

var (
	rejectionType = reflect.TypeOf(Rejection{})
	timeType      = reflect.TypeOf(time.Time{})
)

// checkResult returns a message when the program's static result type cannot
// be what the kind (and canonical type) needs. Unknown types pass: they are
// checked at run time by the mapper.
func checkResult(kind Kind, canonical string, prog *vm.Program) string {
	t := prog.Node().Type()
	if t == nil || t.Kind() == reflect.Interface || t == rejectionType {
		return ""
	}
	switch kind {
	case DeriveEach:
		if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
			return fmt.Sprintf("derive each must produce a list of records, but this expression produces %s", t)
		}
	case DeriveID:
		if t.Kind() != reflect.String && !isInt(t) {
			return fmt.Sprintf("derive id must produce a string or an integer, but this expression produces %s", t)
		}
	case ToCanonical, FromCanonical:
		if canonical == "" || kind == FromCanonical {
			return "" // system values have no declared type
		}
		if !fits(canonical, t) {
			return fmt.Sprintf("%s must produce a %s value, but this expression produces %s", kind, canonical, t)
		}
	}
	return ""
}

func isInt(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

func fits(canonical string, t reflect.Type) bool {
	k := t.Kind()
	switch canonical {
	case plan.TypeString:
		return k == reflect.String
	case plan.TypeDate, plan.TypeDateTime:
		return k == reflect.String || t == timeType
	case plan.TypeInt:
		return isInt(t)
	case plan.TypeNumber:
		return isInt(t) || k == reflect.Float32 || k == reflect.Float64
	case plan.TypeBool:
		return k == reflect.Bool
	case plan.TypeList:
		return k == reflect.Slice || k == reflect.Array
	case plan.TypeRef:
		return k == reflect.String || isInt(t) || k == reflect.Float64
	}
	return true // json, unknown
}
