/// The OpenAPI 3.1 document of the REST API, served at `/openapi.json`. Tests check every route's
/// answers against it (and the test command runs schemathesis on the live server with it): a
/// route or a field added to the API is added here too.
enum OpenAPIDocument {
    static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "Ingest",
    "version": "1.0.0",
    "description": "The job API of `ingest serve`: iRODS automated ingest's PUT/GET/DELETE /job, and views of queues, workers, failures, graph layers and the catalog. Errors are application/problem+json. With server.tokens configured, every path but /healthz, /readyz, /metrics and /openapi.json needs `Authorization: Bearer TOKEN`; a read token cannot PUT, POST or DELETE."
  },
  "components": {
    "securitySchemes": {
      "bearer": {
        "type": "http",
        "scheme": "bearer"
      }
    },
    "schemas": {
      "Problem": {
        "type": "object",
        "properties": {
          "type": {
            "type": "string"
          },
          "title": {
            "type": "string"
          },
          "status": {
            "type": "integer",
            "minimum": 400,
            "maximum": 599
          },
          "detail": {
            "type": "string"
          },
          "instance": {
            "type": "string"
          }
        },
        "required": [
          "detail",
          "status",
          "title",
          "type"
        ],
        "additionalProperties": false
      },
      "JobSummary": {
        "type": "object",
        "properties": {
          "name": {
            "type": "string"
          },
          "kind": {
            "type": "string"
          },
          "state": {
            "type": "string",
            "enum": [
              "queued",
              "running",
              "waiting",
              "stopping",
              "stopped",
              "completed",
              "failed"
            ]
          },
          "description": {
            "type": "string"
          },
          "details": {
            "type": "object",
            "additionalProperties": {
              "type": "string"
            }
          },
          "tasks_total": {
            "type": "integer"
          },
          "tasks_remaining": {
            "type": "integer"
          },
          "tasks_running": {
            "type": "integer"
          },
          "tasks_failed": {
            "type": "integer"
          },
          "tasks_retried": {
            "type": "integer"
          },
          "entries_seen": {
            "type": "integer"
          },
          "entries_done": {
            "type": "integer"
          },
          "bytes_done": {
            "type": "integer"
          },
          "counters": {
            "type": "object",
            "additionalProperties": {
              "type": "integer"
            }
          },
          "created_at": {
            "type": "string"
          },
          "started_at": {
            "type": [
              "string",
              "null"
            ]
          },
          "finished_at": {
            "type": [
              "string",
              "null"
            ]
          },
          "elapsed_seconds": {
            "type": "number"
          },
          "schedule": {
            "type": [
              "string",
              "null"
            ]
          },
          "pass": {
            "type": "integer"
          },
          "next_run_at": {
            "type": [
              "string",
              "null"
            ]
          },
          "last_pass": {
            "oneOf": [
              {
                "$ref": "#/components/schemas/PassSummary"
              },
              {
                "type": "null"
              }
            ]
          },
          "queues_without_workers": {
            "type": "array",
            "items": {
              "type": "string"
            }
          }
        },
        "required": [
          "bytes_done",
          "counters",
          "created_at",
          "description",
          "details",
          "elapsed_seconds",
          "entries_done",
          "entries_seen",
          "finished_at",
          "kind",
          "last_pass",
          "name",
          "next_run_at",
          "pass",
          "queues_without_workers",
          "schedule",
          "started_at",
          "state",
          "tasks_failed",
          "tasks_remaining",
          "tasks_retried",
          "tasks_running",
          "tasks_total"
        ],
        "additionalProperties": false
      },
      "PassSummary": {
        "type": "object",
        "properties": {
          "pass": {
            "type": "integer"
          },
          "state": {
            "type": "string"
          },
          "started_at": {
            "type": "string"
          },
          "finished_at": {
            "type": "string"
          },
          "elapsed_seconds": {
            "type": "number"
          },
          "entries_created": {
            "type": "integer"
          },
          "entries_updated": {
            "type": "integer"
          },
          "entries_unchanged": {
            "type": "integer"
          },
          "entries_skipped": {
            "type": "integer"
          },
          "entries_deleted": {
            "type": "integer"
          },
          "entries_failed": {
            "type": "integer"
          },
          "counters": {
            "type": "object",
            "additionalProperties": {
              "type": "integer"
            }
          }
        },
        "required": [
          "counters",
          "elapsed_seconds",
          "entries_created",
          "entries_deleted",
          "entries_failed",
          "entries_skipped",
          "entries_unchanged",
          "entries_updated",
          "finished_at",
          "pass",
          "started_at",
          "state"
        ],
        "additionalProperties": false
      },
      "FailedEntrySummary": {
        "type": "object",
        "properties": {
          "job": {
            "type": "string"
          },
          "queue": {
            "type": "string"
          },
          "kind": {
            "type": "string"
          },
          "key": {
            "type": "string"
          },
          "attempts": {
            "type": "integer"
          },
          "failed_at": {
            "type": "string"
          },
          "error": {
            "type": "string"
          },
          "task_id": {
            "type": "integer"
          }
        },
        "required": [
          "attempts",
          "error",
          "failed_at",
          "job",
          "key",
          "kind",
          "queue",
          "task_id"
        ],
        "additionalProperties": false
      },
      "MetadataTriple": {
        "type": "object",
        "properties": {
          "attribute": {
            "type": "string"
          },
          "value": {
            "type": "string"
          },
          "units": {
            "type": "string"
          }
        },
        "required": [
          "attribute",
          "units",
          "value"
        ],
        "additionalProperties": false
      },
      "ReplicaSummary": {
        "type": "object",
        "properties": {
          "number": {
            "type": "integer"
          },
          "resource": {
            "type": "string"
          },
          "physical_path": {
            "type": "string"
          },
          "size": {
            "type": "integer"
          },
          "mtime": {
            "type": "string"
          },
          "mtime_nanos": {
            "type": "integer"
          },
          "checksum": {
            "type": [
              "string",
              "null"
            ]
          },
          "status": {
            "type": "string"
          },
          "modified_at": {
            "type": "string"
          }
        },
        "required": [
          "checksum",
          "modified_at",
          "mtime",
          "mtime_nanos",
          "number",
          "physical_path",
          "resource",
          "size",
          "status"
        ],
        "additionalProperties": false
      },
      "DataObjectSummary": {
        "type": "object",
        "properties": {
          "kind": {
            "const": "data_object"
          },
          "path": {
            "type": "string"
          },
          "size": {
            "type": "integer"
          },
          "mtime": {
            "type": "string"
          },
          "mtime_nanos": {
            "type": "integer"
          },
          "checksum": {
            "type": [
              "string",
              "null"
            ]
          },
          "created_at": {
            "type": "string"
          },
          "modified_at": {
            "type": "string"
          },
          "replicas": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/ReplicaSummary"
            }
          },
          "metadata": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/MetadataTriple"
            }
          }
        },
        "required": [
          "checksum",
          "created_at",
          "kind",
          "metadata",
          "modified_at",
          "mtime",
          "mtime_nanos",
          "path",
          "replicas",
          "size"
        ],
        "additionalProperties": false
      },
      "CollectionSummary": {
        "type": "object",
        "properties": {
          "kind": {
            "const": "collection"
          },
          "path": {
            "type": "string"
          },
          "created_at": {
            "type": "string"
          },
          "modified_at": {
            "type": "string"
          },
          "metadata": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/MetadataTriple"
            }
          }
        },
        "required": [
          "created_at",
          "kind",
          "metadata",
          "modified_at",
          "path"
        ],
        "additionalProperties": false
      },
      "CatalogEntrySummary": {
        "type": "object",
        "properties": {
          "kind": {
            "type": "string"
          },
          "path": {
            "type": "string"
          },
          "size": {
            "type": [
              "integer",
              "null"
            ]
          },
          "mtime": {
            "type": [
              "string",
              "null"
            ]
          },
          "mtime_nanos": {
            "type": [
              "integer",
              "null"
            ]
          },
          "replica_count": {
            "type": [
              "integer",
              "null"
            ]
          }
        },
        "required": [
          "kind",
          "mtime",
          "mtime_nanos",
          "path",
          "replica_count",
          "size"
        ],
        "additionalProperties": false
      },
      "WorkerSummary": {
        "type": "object",
        "properties": {
          "id": {
            "type": "string"
          },
          "host": {
            "type": "string"
          },
          "pid": {
            "type": "integer"
          },
          "queues": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "concurrency": {
            "type": "integer"
          },
          "tasks_running": {
            "type": "integer"
          },
          "tasks_done": {
            "type": "integer"
          },
          "started_at": {
            "type": "string"
          },
          "last_heartbeat_at": {
            "type": "string"
          }
        },
        "required": [
          "concurrency",
          "host",
          "id",
          "last_heartbeat_at",
          "pid",
          "queues",
          "started_at",
          "tasks_done",
          "tasks_running"
        ],
        "additionalProperties": false
      },
      "QueueSummary": {
        "type": "object",
        "properties": {
          "queue": {
            "type": "string"
          },
          "ready": {
            "type": "integer"
          },
          "blocked": {
            "type": "integer"
          },
          "running": {
            "type": "integer"
          },
          "failed": {
            "type": "integer"
          },
          "jobs": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "workers": {
            "type": "integer"
          }
        },
        "required": [
          "blocked",
          "failed",
          "jobs",
          "queue",
          "ready",
          "running",
          "workers"
        ],
        "additionalProperties": false
      },
      "ResourceSummary": {
        "type": "object",
        "properties": {
          "name": {
            "type": "string"
          },
          "type": {
            "type": "string"
          },
          "path": {
            "type": [
              "string",
              "null"
            ]
          },
          "objects": {
            "type": "integer"
          },
          "bytes": {
            "type": "integer"
          }
        },
        "required": [
          "bytes",
          "name",
          "objects",
          "path",
          "type"
        ],
        "additionalProperties": false
      },
      "GraphLayer": {
        "type": "object",
        "properties": {
          "layer": {
            "type": "integer"
          },
          "completed": {
            "type": "integer"
          },
          "total": {
            "type": "integer"
          },
          "queued": {
            "type": "integer"
          },
          "blocked": {
            "type": "integer"
          },
          "running": {
            "type": "integer"
          },
          "failed": {
            "type": "integer"
          }
        },
        "required": [
          "blocked",
          "completed",
          "failed",
          "layer",
          "queued",
          "running",
          "total"
        ],
        "additionalProperties": false
      },
      "GraphStatus": {
        "type": "object",
        "properties": {
          "graph": {
            "type": "string"
          },
          "state": {
            "type": "string"
          },
          "test": {
            "type": "boolean"
          },
          "store": {
            "type": "string"
          },
          "layers": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/GraphLayer"
            }
          }
        },
        "required": [
          "graph",
          "layers",
          "state",
          "store",
          "test"
        ],
        "additionalProperties": false
      },
      "SubmitDocument": {
        "type": "object",
        "properties": {
          "kind": {
            "type": "string",
            "enum": [
              "sync",
              "graph"
            ],
            "description": "sync (default) or graph."
          },
          "job_name": {
            "type": "string",
            "minLength": 1,
            "description": "The job's name when the URL gives none (PUT /job); else must equal it."
          },
          "root": {
            "type": "string",
            "description": "Upstream's name for the source: a directory, or s3://BUCKET/PREFIX."
          },
          "source": {
            "type": "string",
            "description": "The same as root."
          },
          "target": {
            "type": "string",
            "description": "The destination collection, an absolute catalog path."
          },
          "interval": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "Seconds between the end of a pass and the next (default: run once)."
          },
          "cron": {
            "type": "string",
            "description": "Run a pass at the times of this cron expression."
          },
          "timeout": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "Seconds one task may run (default 3600)."
          },
          "delay": {
            "type": "number",
            "minimum": 0,
            "description": "Seconds between a failure and its retry."
          },
          "max_retries": {
            "type": "integer",
            "minimum": 0,
            "description": "Times a failed task runs again."
          },
          "files_per_task": {
            "type": "integer",
            "minimum": 1,
            "description": "Files per file task (default 50)."
          },
          "restart_queue": {
            "type": "string"
          },
          "path_queue": {
            "type": "string"
          },
          "file_queue": {
            "type": "string"
          },
          "ignore_cache": {
            "type": "boolean"
          },
          "initial_ingest": {
            "type": "boolean"
          },
          "follow_symlinks": {
            "type": "boolean"
          },
          "profile": {
            "type": "boolean"
          },
          "operation": {
            "type": "string",
            "description": "REGISTER_SYNC, REGISTER_AS_REPLICA_SYNC, PUT, PUT_SYNC, PUT_APPEND or NO_OP."
          },
          "to_resource": {
            "type": "string"
          },
          "checksum": {
            "type": "string",
            "description": "sha256 or md5."
          },
          "exclude_file_type": {
            "oneOf": [
              {
                "type": "string"
              },
              {
                "type": "array",
                "items": {
                  "type": "string"
                }
              }
            ]
          },
          "exclude_file_name": {
            "oneOf": [
              {
                "type": "string"
              },
              {
                "type": "array",
                "items": {
                  "type": "string"
                }
              }
            ]
          },
          "exclude_directory_name": {
            "oneOf": [
              {
                "type": "string"
              },
              {
                "type": "array",
                "items": {
                  "type": "string"
                }
              }
            ]
          },
          "delete_mode": {
            "type": "string",
            "description": "DO_NOT_DELETE, UNREGISTER, TRASH or NO_TRASH."
          },
          "event_handler": {
            "type": "string",
            "description": "The handler module's name (upstream's); its text goes in event_handler_data."
          },
          "event_handler_data": {
            "type": "string",
            "description": "An iRODS automated ingest event handler file's Python text."
          },
          "policy_data": {
            "type": "string",
            "description": "A YAML policy's text (docs/policy-yaml.md)."
          },
          "append_json": {
            "type": "null",
            "description": "Accepted empty only (handlers do not see it yet)."
          },
          "all": {
            "description": "Upstream's key; accepted and ignored."
          },
          "s3_keypair": {
            "type": "string"
          },
          "s3_endpoint_domain": {
            "type": "string"
          },
          "s3_region_name": {
            "type": "string"
          },
          "s3_proxy_url": {
            "type": "string"
          },
          "s3_insecure_connection": {
            "type": "boolean"
          },
          "s3_multipart_chunksize_in_mib": {
            "type": "integer"
          },
          "dataset": {
            "type": "string",
            "description": "kind graph: the dataset.yml's path on the server."
          },
          "test": {
            "type": "boolean"
          },
          "retry": {
            "type": "boolean"
          }
        },
        "additionalProperties": false,
        "description": "iRODS automated ingest's submit document, with every `ingest start` option under its name."
      }
    }
  },
  "security": [
    {
      "bearer": []
    },
    {}
  ],
  "paths": {
    "/healthz": {
      "get": {
        "summary": "The process answers.",
        "security": [],
        "responses": {
          "200": {
            "description": "Serving.",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            }
          }
        }
      }
    },
    "/readyz": {
      "get": {
        "summary": "The broker and the catalog answer.",
        "security": [],
        "responses": {
          "200": {
            "description": "Ready.",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "503": {
            "description": "Not ready; the text says why.",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            }
          }
        }
      }
    },
    "/openapi.json": {
      "get": {
        "summary": "This document.",
        "security": [],
        "responses": {
          "200": {
            "description": "The OpenAPI 3.1 document.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            }
          }
        }
      }
    },
    "/metrics": {
      "get": {
        "summary": "Prometheus metrics (server.metrics_token, if set, as a bearer token).",
        "security": [],
        "responses": {
          "200": {
            "description": "Prometheus text format 0.0.4.",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "401": {
            "description": "server.metrics_token is set and the request does not carry it.",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            }
          }
        }
      }
    },
    "/job": {
      "put": {
        "summary": "Queue a job under a generated name.",
        "operationId": "submitJob",
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/SubmitDocument"
              }
            },
            "application/x-yaml": {
              "schema": {
                "type": "string",
                "description": "The same document as YAML (upstream's submit.yaml)."
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "Queued.",
            "headers": {
              "Location": {
                "schema": {
                  "type": "string"
                },
                "description": "The job's URL."
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "job": {
                      "$ref": "#/components/schemas/JobSummary"
                    },
                    "ignored_keys": {
                      "type": "array",
                      "items": {
                        "type": "string"
                      }
                    },
                    "replaced": {
                      "type": [
                        "string",
                        "null"
                      ]
                    }
                  },
                  "required": [
                    "ignored_keys",
                    "job",
                    "replaced"
                  ],
                  "additionalProperties": false
                }
              }
            }
          },
          "400": {
            "description": "The request is malformed or asks for something impossible; `detail` names the fix.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "401": {
            "description": "No bearer token, or not one of server.tokens.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "403": {
            "description": "The token's role does not allow this (read tokens cannot change anything).",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "409": {
            "description": "The job is still active, or is not of the kind this asks about.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "413": {
            "description": "The body is larger than the limit (1 MiB).",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      },
      "get": {
        "summary": "Jobs, by name, a page at a time.",
        "operationId": "listJobs",
        "parameters": [
          {
            "name": "limit",
            "in": "query",
            "description": "Items per page, 1 to 1000 (default 100).",
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 1000
            }
          },
          {
            "name": "cursor",
            "in": "query",
            "description": "The `next_cursor` of the previous page.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "state",
            "in": "query",
            "schema": {
              "type": "string",
              "enum": [
                "queued",
                "running",
                "waiting",
                "stopping",
                "stopped",
                "completed",
                "failed"
              ]
            }
          },
          {
            "name": "kind",
            "in": "query",
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "One page.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "jobs": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/JobSummary"
                      }
                    },
                    "next_cursor": {
                      "type": [
                        "string",
                        "null"
                      ]
                    }
                  },
                  "required": [
                    "jobs",
                    "next_cursor"
                  ],
                  "additionalProperties": false
                }
              }
            }
          },
          "400": {
            "description": "The request is malformed or asks for something impossible; `detail` names the fix.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "401": {
            "description": "No bearer token, or not one of server.tokens.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      }
    },
    "/job/{name}": {
      "parameters": [
        {
          "name": "name",
          "in": "path",
          "required": true,
          "description": "The job's name.",
          "schema": {
            "type": "string",
            "minLength": 1
          }
        }
      ],
      "put": {
        "summary": "Queue a job under this name (a job of that name that has ended is replaced).",
        "operationId": "submitNamedJob",
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/SubmitDocument"
              }
            },
            "application/x-yaml": {
              "schema": {
                "type": "string",
                "description": "The same document as YAML (upstream's submit.yaml)."
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "Queued.",
            "headers": {
              "Location": {
                "schema": {
                  "type": "string"
                },
                "description": "The job's URL."
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "job": {
                      "$ref": "#/components/schemas/JobSummary"
                    },
                    "ignored_keys": {
                      "type": "array",
                      "items": {
                        "type": "string"
                      }
                    },
                    "replaced": {
                      "type": [
                        "string",
                        "null"
                      ]
                    }
                  },
                  "required": [
                    "ignored_keys",
                    "job",
                    "replaced"
                  ],
                  "additionalProperties": false
                }
              }
            }
          },
          "400": {
            "description": "The request is malformed or asks for something impossible; `detail` names the fix.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "401": {
            "description": "No bearer token, or not one of server.tokens.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "403": {
            "description": "The token's role does not allow this (read tokens cannot change anything).",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "409": {
            "description": "The job is still active, or is not of the kind this asks about.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "413": {
            "description": "The body is larger than the limit (1 MiB).",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      },
      "get": {
        "summary": "One job with its counters and progress.",
        "operationId": "showJob",
        "responses": {
          "200": {
            "description": "The job.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/JobSummary"
                }
              }
            }
          },
          "401": {
            "description": "No bearer token, or not one of server.tokens.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "404": {
            "description": "No such job, path or route.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      },
      "delete": {
        "summary": "Stop the job: queued tasks are cancelled, running ones end.",
        "operationId": "stopJob",
        "responses": {
          "200": {
            "description": "The job, stopping or stopped.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/JobSummary"
                }
              }
            }
          },
          "401": {
            "description": "No bearer token, or not one of server.tokens.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "403": {
            "description": "The token's role does not allow this (read tokens cannot change anything).",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "404": {
            "description": "No such job, path or route.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      }
    },
    "/job/{name}/passes": {
      "parameters": [
        {
          "name": "name",
          "in": "path",
          "required": true,
          "description": "The job's name.",
          "schema": {
            "type": "string",
            "minLength": 1
          }
        }
      ],
      "get": {
        "summary": "The ended passes of a job, oldest first.",
        "operationId": "jobPasses",
        "responses": {
          "200": {
            "description": "Passes.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/PassSummary"
                  }
                }
              }
            }
          },
          "401": {
            "description": "No bearer token, or not one of server.tokens.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "404": {
            "description": "No such job, path or route.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      }
    },
    "/job/{name}/failed": {
      "parameters": [
        {
          "name": "name",
          "in": "path",
          "required": true,
          "description": "The job's name.",
          "schema": {
            "type": "string",
            "minLength": 1
          }
        }
      ],
      "get": {
        "summary": "The job's failed entries with their errors, a page at a time.",
        "operationId": "jobFailures",
        "parameters": [
          {
            "name": "limit",
            "in": "query",
            "description": "Items per page, 1 to 1000 (default 100).",
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 1000
            }
          },
          {
            "name": "cursor",
            "in": "query",
            "description": "The `next_cursor` of the previous page.",
            "schema": {
              "type": "integer"
            }
          },
          {
            "name": "order",
            "in": "query",
            "description": "oldest (default) or newest first.",
            "schema": {
              "type": "string",
              "enum": [
                "oldest",
                "newest"
              ]
            }
          }
        ],
        "responses": {
          "200": {
            "description": "One page.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "entries": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/FailedEntrySummary"
                      }
                    },
                    "next_cursor": {
                      "type": [
                        "integer",
                        "null"
                      ]
                    }
                  },
                  "required": [
                    "entries",
                    "next_cursor"
                  ],
                  "additionalProperties": false
                }
              }
            }
          },
          "400": {
            "description": "The request is malformed or asks for something impossible; `detail` names the fix.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "401": {
            "description": "No bearer token, or not one of server.tokens.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "404": {
            "description": "No such job, path or route.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      }
    },
    "/job/{name}/requeue": {
      "parameters": [
        {
          "name": "name",
          "in": "path",
          "required": true,
          "description": "The job's name.",
          "schema": {
            "type": "string",
            "minLength": 1
          }
        }
      ],
      "post": {
        "summary": "Run the job's failed tasks again.",
        "operationId": "requeueJob",
        "responses": {
          "200": {
            "description": "How many went back on their queues.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "job": {
                      "type": "string"
                    },
                    "requeued": {
                      "type": "integer"
                    }
                  },
                  "required": [
                    "job",
                    "requeued"
                  ],
                  "additionalProperties": false
                }
              }
            }
          },
          "401": {
            "description": "No bearer token, or not one of server.tokens.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "403": {
            "description": "The token's role does not allow this (read tokens cannot change anything).",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "404": {
            "description": "No such job, path or route.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      }
    },
    "/job/{name}/layers": {
      "parameters": [
        {
          "name": "name",
          "in": "path",
          "required": true,
          "description": "The job's name.",
          "schema": {
            "type": "string",
            "minLength": 1
          }
        }
      ],
      "get": {
        "summary": "A graph build's progress per layer.",
        "operationId": "graphLayers",
        "responses": {
          "200": {
            "description": "Layers.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/GraphStatus"
                }
              }
            }
          },
          "401": {
            "description": "No bearer token, or not one of server.tokens.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "404": {
            "description": "No such job, path or route.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "409": {
            "description": "The job is still active, or is not of the kind this asks about.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      }
    },
    "/queues": {
      "get": {
        "summary": "Every queue: tasks ready, blocked, running, failed; its jobs and workers.",
        "operationId": "listQueues",
        "responses": {
          "200": {
            "description": "Queues by name.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/QueueSummary"
                  }
                }
              }
            }
          },
          "401": {
            "description": "No bearer token, or not one of server.tokens.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      }
    },
    "/workers": {
      "get": {
        "summary": "Live workers and their heartbeats.",
        "operationId": "listWorkers",
        "responses": {
          "200": {
            "description": "Workers.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/WorkerSummary"
                  }
                }
              }
            }
          },
          "401": {
            "description": "No bearer token, or not one of server.tokens.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      }
    },
    "/resources": {
      "get": {
        "summary": "Storage resources with their object counts and bytes.",
        "operationId": "listResources",
        "responses": {
          "200": {
            "description": "Resources.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/ResourceSummary"
                  }
                }
              }
            }
          },
          "401": {
            "description": "No bearer token, or not one of server.tokens.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      }
    },
    "/catalog/ls": {
      "get": {
        "summary": "A collection's entries, a page at a time, or the one data object a path names.",
        "operationId": "catalogList",
        "parameters": [
          {
            "name": "path",
            "in": "query",
            "description": "An absolute catalog path (default /).",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "limit",
            "in": "query",
            "description": "Items per page, 1 to 1000 (default 100).",
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 1000
            }
          },
          {
            "name": "cursor",
            "in": "query",
            "description": "The `next_cursor` of the previous page.",
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "Entries.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "path": {
                      "type": "string"
                    },
                    "kind": {
                      "type": "string",
                      "enum": [
                        "collection",
                        "data_object"
                      ]
                    },
                    "entries": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/CatalogEntrySummary"
                      }
                    },
                    "next_cursor": {
                      "type": [
                        "string",
                        "null"
                      ]
                    }
                  },
                  "required": [
                    "entries",
                    "kind",
                    "next_cursor",
                    "path"
                  ],
                  "additionalProperties": false
                }
              }
            }
          },
          "400": {
            "description": "The request is malformed or asks for something impossible; `detail` names the fix.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "401": {
            "description": "No bearer token, or not one of server.tokens.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "404": {
            "description": "No such job, path or route.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      }
    },
    "/catalog/stat": {
      "get": {
        "summary": "A data object (size, checksum, replicas, metadata) or a collection.",
        "operationId": "catalogStat",
        "parameters": [
          {
            "name": "path",
            "in": "query",
            "description": "An absolute catalog path (default /).",
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The entry.",
            "content": {
              "application/json": {
                "schema": {
                  "oneOf": [
                    {
                      "$ref": "#/components/schemas/DataObjectSummary"
                    },
                    {
                      "$ref": "#/components/schemas/CollectionSummary"
                    }
                  ]
                }
              }
            }
          },
          "400": {
            "description": "The request is malformed or asks for something impossible; `detail` names the fix.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "401": {
            "description": "No bearer token, or not one of server.tokens.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "404": {
            "description": "No such job, path or route.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      }
    }
  }
}
"""#
}
