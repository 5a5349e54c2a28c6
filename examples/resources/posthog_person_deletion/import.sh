# Import a deletion request by its ids: "<project_id>:distinct_ids:<id>,<id>"
# or "<project_id>:uuids:<uuid>,<uuid>". The project id prefix is optional
# when the provider sets project_id. Distinct ids that contain commas cannot
# be imported this way.
terraform import posthog_person_deletion.ticket_4711 "12345:distinct_ids:user-8841,jane.doe@example.com"
