package main

import (
	"context"
	"errors"
	"io"
)

func runMetasim(ctx context.Context, args []string, stdout io.Writer) error {
	return errors.New("metasim: not built yet")
}
