// Package store is where ficus keeps its own state — run-time route states and the audit log — behind
// the interfaces of package ficus (ficus.RouteStore, ficus.AuditLog). The adapters live in
// subpackages named after their technology: store/sqlite, the embedded default, and later
// store/postgres for several gateway replicas sharing one state. store/storetest is the conformance
// suite each adapter runs, so that they behave alike. The hash chain itself belongs to package audit.
package store
