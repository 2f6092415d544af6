{{/* Names, labels and the pieces the server and worker pods share. */}}

{{- define "ingest.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "ingest.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* A component's resource name: fullname-component, within 63 characters. */}}
{{- define "ingest.componentName" -}}
{{- printf "%s-%s" (include "ingest.fullname" .root | trunc (int (sub 62 (len .component))) | trimSuffix "-") .component }}
{{- end }}

{{- define "ingest.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "ingest.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ingest.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "ingest.labels" -}}
helm.sh/chart: {{ include "ingest.chart" .root }}
{{ include "ingest.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: ingest
{{- end }}

{{- define "ingest.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "ingest.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "ingest.secretName" -}}
{{- default (include "ingest.fullname" .) .Values.existingSecret }}
{{- end }}

{{- define "ingest.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "ingest.redisHost" -}}
{{- include "ingest.componentName" (dict "root" . "component" "redis") }}
{{- end }}

{{- define "ingest.postgresqlHost" -}}
{{- include "ingest.componentName" (dict "root" . "component" "postgresql") }}
{{- end }}

{{- define "ingest.tokenKey" -}}
{{- printf "token-%s" .name }}
{{- end }}

{{/*
The Secret's keys an Ingest pod reads as files (mounted at /etc/ingest/secret): the bundled
servers' passwords, and for the server its tokens. Workers see no token.
*/}}
{{- define "ingest.secretItems" -}}
{{- $root := .root -}}
{{- if and $root.Values.redis.enabled $root.Values.redis.auth.enabled }}
- key: redis-password
  path: redis-password
{{- end }}
{{- if $root.Values.postgresql.enabled }}
- key: postgres-password
  path: postgres-password
{{- end }}
{{- if .server }}
{{- range $root.Values.server.tokens }}
- key: {{ include "ingest.tokenKey" . }}
  path: {{ include "ingest.tokenKey" . }}
{{- end }}
{{- if $root.Values.server.metricsToken.enabled }}
- key: metrics-token
  path: metrics-token
{{- end }}
{{- end }}
{{- end }}

{{/* Environment of every Ingest container: where the broker and catalog are and their passwords. */}}
{{- define "ingest.env" -}}
{{- $root := .root -}}
- name: INGEST_HOME
  value: /var/lib/ingest
- name: INGEST_CONFIG_TEMPLATE
  value: /etc/ingest/config/config.yaml
{{- if $root.Values.redis.enabled }}
- name: INGEST_BROKER_URL
  value: {{ printf "redis://%s:6379/0" (include "ingest.redisHost" $root) | quote }}
{{- if $root.Values.redis.auth.enabled }}
- name: INGEST_BROKER_PASSWORD_FILE
  value: /etc/ingest/secret/redis-password
{{- end }}
{{- else }}
- name: INGEST_BROKER_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "ingest.secretName" $root }}
      key: broker-url
{{- end }}
{{- if $root.Values.postgresql.enabled }}
- name: INGEST_CATALOG_URL
  value: {{ printf "postgres://%s@%s:5432/%s" $root.Values.postgresql.username (include "ingest.postgresqlHost" $root) $root.Values.postgresql.database | quote }}
- name: INGEST_CATALOG_PASSWORD_FILE
  value: /etc/ingest/secret/postgres-password
{{- else }}
- name: INGEST_CATALOG_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "ingest.secretName" $root }}
      key: catalog-url
{{- end }}
{{- with $root.Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Volumes of every Ingest pod. */}}
{{- define "ingest.volumes" -}}
{{- $root := .root -}}
- name: home
  emptyDir: {}
- name: tmp
  emptyDir: {}
- name: config
  configMap:
    name: {{ include "ingest.fullname" $root }}
{{- $items := include "ingest.secretItems" . | trim }}
{{- if $items }}
- name: secret
  secret:
    secretName: {{ include "ingest.secretName" $root }}
    defaultMode: 0440
    items:
{{- $items | nindent 6 }}
{{- end }}
{{- with $root.Values.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "ingest.volumeMounts" -}}
{{- $root := .root -}}
- name: home
  mountPath: /var/lib/ingest
- name: tmp
  mountPath: /tmp
- name: config
  mountPath: /etc/ingest/config
  readOnly: true
{{- if include "ingest.secretItems" . }}
- name: secret
  mountPath: /etc/ingest/secret
  readOnly: true
{{- end }}
{{- with $root.Values.extraVolumeMounts }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
A Secret value: the one given in values, else the one the installed Secret has (so a generated
password survives upgrades), else a new random one. Returns it base64-encoded.
*/}}
{{- define "ingest.secretValue" -}}
{{- if .value }}
{{- .value | b64enc }}
{{- else if hasKey .existing .key }}
{{- index .existing .key }}
{{- else }}
{{- randAlphaNum 32 | b64enc }}
{{- end }}
{{- end }}

{{/* INGEST_SERVER_TOKEN_FILES for ingest-launch: ROLE=FILE for each token. Takes .Values.server. */}}
{{- define "ingest.tokenFiles" -}}
{{- $files := list }}
{{- $names := dict }}
{{- range .tokens }}
{{- if hasKey $names .name }}
{{- fail (printf "server.tokens: the name %s is used twice; each token needs its own (it names the Secret key token-NAME)" .name) }}
{{- end }}
{{- $_ := set $names .name true }}
{{- $files = append $files (printf "%s=/etc/ingest/secret/%s" .role (include "ingest.tokenKey" .)) }}
{{- end }}
{{- join "," $files }}
{{- end }}
