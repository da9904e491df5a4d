package pgcopy

import (
	"bytes"
	"encoding/json"
	"errors"
)

// jsonbVersion is the first byte of jsonb's binary form: the text follows.
const jsonbVersion = 1

// checkJSON refuses what PostgreSQL's json input refuses: invalid UTF-8 or
// JSON, an unpaired surrogate escape, and for jsonb the \u0000 escape.
func checkJSON(v []byte, jsonb bool) error {
	if err := checkText(v); err != nil {
		return err
	}
	if !json.Valid(v) {
		return errors.New("not valid JSON")
	}
	for i := bytes.IndexByte(v, '\\'); i >= 0; {
		// json.Valid has checked that escapes are well formed.
		width := 2
		if v[i+1] == 'u' {
			width = 6
			switch r := hex4(v[i+2:]); {
			case r == 0 && jsonb:
				return errors.New(`jsonb cannot hold the \u0000 escape`)
			case r >= 0xdc00 && r <= 0xdfff:
				return errors.New("a low surrogate escape without a high surrogate before it")
			case r >= 0xd800 && r <= 0xdbff:
				if len(v) < i+12 || v[i+6] != '\\' || v[i+7] != 'u' || hex4(v[i+8:]) < 0xdc00 || hex4(v[i+8:]) > 0xdfff {
					return errors.New("a high surrogate escape without a low surrogate after it")
				}
				width = 12
			}
		}
		j := bytes.IndexByte(v[i+width:], '\\')
		if j < 0 {
			break
		}
		i += width + j
	}
	return nil
}

func hex4(s []byte) rune {
	var r rune
	for _, c := range s[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		default:
			r = r<<4 | rune(c-'A'+10)
		}
	}
	return r
}

func binJSON(c *column, dst, v []byte) ([]byte, error) {
	if err := checkJSON(v, c.kind == kindJSONB); err != nil {
		return dst, err
	}
	if c.kind == kindJSONB {
		dst = append(dst, jsonbVersion)
	}
	return append(dst, v...), nil
}

func textJSON(c *column, dst, v []byte) ([]byte, error) {
	if err := checkJSON(v, c.kind == kindJSONB); err != nil {
		return dst, err
	}
	return appendEscaped(dst, v), nil
}
