package sqlite

import "database/sql"

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// collect scans every row with scan and closes rows; the result is never
// nil. op names the operation in errors.
func collect[T any](rows *sql.Rows, op string, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, dbError(err, op)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err, op)
	}
	return out, nil
}
