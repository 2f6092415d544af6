import IngestCLI

await IngestCommand.runFromCommandLine()
