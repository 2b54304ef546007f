{{/* The prefix of every object's name: the release's name, with the chart's unless it holds it already. */}}
{{- define "settle.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Settle's image, for the worker, the API and the registration Job alike. */}}
{{- define "settle.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{- define "settle.selectorLabels" -}}
app.kubernetes.io/name: settle
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "settle.labels" -}}
{{ include "settle.selectorLabels" . }}
app.kubernetes.io/part-of: settle
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "settle.secretName" -}}
{{- .Values.existingSecret | default (printf "%s-secrets" (include "settle.fullname" .)) -}}
{{- end -}}

{{/* Every Settle process reads its settings from the ConfigMap and the Secret. */}}
{{- define "settle.envFrom" -}}
envFrom:
  - configMapRef:
      name: {{ include "settle.fullname" . }}-config
  - secretRef:
      name: {{ include "settle.secretName" . }}
{{- end -}}

{{/* Restarts the pods when a setting changes. */}}
{{- define "settle.checksums" -}}
checksum/config: {{ include (print $.Template.BasePath "/config.yaml") . | sha256sum }}
checksum/secrets: {{ include (print $.Template.BasePath "/secrets.yaml") . | sha256sum }}
{{- end -}}

{{- define "settle.podSecurityContext" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 1000
  runAsGroup: 1000
  seccompProfile:
    type: RuntimeDefault
{{- end -}}

{{- define "settle.containerSecurityContext" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities:
    drop: ['ALL']
{{- end -}}
