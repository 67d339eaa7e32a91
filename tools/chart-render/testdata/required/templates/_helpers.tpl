{{- define "req.password" -}}
{{ required "set auth.password (the Redis password)" .Values.auth.password }}
{{- end -}}
