"""CodeDeploy's operations, one module per resource; each module exports its ``OPERATIONS``.

Each operation turns the request members into checked values (so bad input fails before anything
is written) and returns a result in the member names of the operation's output shape in botocore's
CodeDeploy model; timestamps stay ``datetime`` for the protocol to encode.
"""

from __future__ import annotations

from rollwright.operations import applications
from rollwright.operations.shapes import Operation

OPERATIONS: dict[str, Operation] = {
    **applications.OPERATIONS,
}
