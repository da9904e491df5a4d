package diff

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// typicalPair returns a ~2 KB API response and a candidate answer with two real differences and a
// changed timestamp that an ignore rule drops.
func typicalPair() (Response, Response) {
	doc := func(ts string, price string, status string) string {
		var items []string
		for i := range 8 {
			items = append(items, fmt.Sprintf(`{"sku":"SKU-%04d","name":"Item number %d","qty":%d,"price":%s,"tags":["a","b"]}`, i, i, i+1, price))
		}
		return fmt.Sprintf(`{"order":{"id":"ord_81723","status":"%s","created_at":"2024-05-01T10:00:00Z","updated_at":"%s",
"customer":{"id":4242,"name":"Grace Hopper","tier":"gold","address":{"street":"1 Main St","city":"Arlington","zip":"22201","country":"US"}},
"items":[%s],"totals":{"subtotal":123.45,"tax":9.87,"shipping":0,"total":133.32,"currency":"USD"},
"links":{"self":"/orders/ord_81723","customer":"/customers/4242"},"flags":{"gift":false,"express":true},"notes":null}}`,
			status, ts, strings.Join(items, ","))
	}
	h := http.Header{"Content-Type": {"application/json; charset=utf-8"}, "Cache-Control": {"no-cache"}}
	left := Response{Status: 200, Header: h, Body: []byte(doc("2024-05-01T10:00:01Z", "9.99", "paid"))}
	right := Response{Status: 200, Header: h, Body: []byte(doc("2024-05-01T10:00:02Z", "9.990", "PAID"))}
	return left, right
}

func BenchmarkCompareTypical(b *testing.B) {
	left, right := typicalPair()
	c, err := Compile(Options{IgnorePaths: []string{"$..updated_at", "$.order.links"}, UnorderedPaths: []string{"$..tags"}})
	if err != nil {
		b.Fatal(err)
	}
	if res := c.Compare(left, right); len(res.Differences) != 1 {
		b.Fatalf("want the one difference in $.order.status, got %+v", res)
	}
	b.SetBytes(int64(len(left.Body) + len(right.Body)))
	b.ReportAllocs()
	for b.Loop() {
		c.Compare(left, right)
	}
}

func BenchmarkCompareTypicalEqual(b *testing.B) {
	left, _ := typicalPair()
	right := left
	right.Body = append([]byte(" "), left.Body...) // same JSON, different bytes: forces the structural comparison
	c, err := Compile(Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(left.Body) + len(right.Body)))
	b.ReportAllocs()
	for b.Loop() {
		c.Compare(left, right)
	}
}
