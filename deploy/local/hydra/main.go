// Ory Hydra v2.3.0 (OpenID Connect provider) for the local stack: upstream's main,
// built from this wrapper module because upstream's go.mod carries replace
// directives, which `go install module@version` refuses.
package main

import "github.com/ory/hydra/v2/cmd"

func main() { cmd.Execute() }
