<?php
/**
 * What a pushed lead may hold: every field with its type and the length its column takes;
 * the first field that does not fit is a 422 naming it.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The lead the daemon pushes, as a JSON schema, and its check.
 */
final class Igsync_Lead_Schema {

	/**
	 * The lead's JSON schema; every length is what its column holds (emails up to 254
	 * characters, Instagram usernames up to 30).
	 *
	 * @return array<string, array<string, mixed>>
	 */
	public static function schema(): array {
		$optional = static fn( array $schema ): array => array_merge( $schema, array( 'type' => array( $schema['type'], 'null' ) ) );
		return array(
			'idempotency_key'       => array(
				'type'     => 'string',
				'required' => true,
				'pattern'  => '^[A-Za-z0-9_.:-]{1,64}$',
			),
			'ig_user_id'            => array(
				'type'     => 'string',
				'required' => true,
				'pattern'  => '^[0-9]{1,64}$',
			),
			'username'              => array(
				'type'     => 'string',
				'required' => true,
				'pattern'  => '^[A-Za-z0-9._]{1,30}$',
			),
			'name'                  => $optional(
				array(
					'type'      => 'string',
					'maxLength' => 255,
				)
			),
			'account_type'          => $optional(
				array(
					'type'      => 'string',
					'maxLength' => 32,
				)
			),
			'api'                   => $optional(
				array(
					'type'      => 'string',
					'maxLength' => 32,
				)
			),
			'email'                 => $optional(
				array(
					'type'      => 'string',
					'format'    => 'email',
					'maxLength' => 254,
				)
			),
			'wp_user_id'            => $optional(
				array(
					'type'    => 'integer',
					'minimum' => 1,
				)
			),
			'source'                => $optional(
				array(
					'type'      => 'string',
					'maxLength' => 64,
				)
			),
			'return_url'            => $optional(
				array(
					'type'      => 'string',
					'format'    => 'uri',
					'maxLength' => 2048,
				)
			),
			'wc_order_id'           => $optional(
				array(
					'type'    => 'integer',
					'minimum' => 1,
				)
			),
			'followers_count'       => $optional(
				array(
					'type'    => 'integer',
					'minimum' => 0,
					'maximum' => 4294967295,
				)
			),
			'followers_change'      => $optional(
				array(
					'type'    => 'integer',
					'minimum' => -2147483648,
					'maximum' => 2147483647,
				)
			),
			'followers_change_days' => $optional(
				array(
					'type'    => 'integer',
					'minimum' => 0,
					'maximum' => 65535,
				)
			),
			'engagement_rate'       => $optional(
				array(
					'type'    => 'number',
					'minimum' => 0,
					'maximum' => 9999999,
				)
			),
			'permissions'           => $optional(
				array(
					'type'    => 'string',
					'pattern' => '^[a-z0-9_,]{0,1024}$',
				)
			),
			'unavailable_fields'    => $optional(
				array(
					'type'    => 'string',
					'pattern' => '^[a-z0-9_,]{0,255}$',
				)
			),
			'insights'              => $optional( self::insights_schema() ),
			'profile_picture_url'   => $optional(
				array(
					'type'      => 'string',
					'format'    => 'uri',
					'maxLength' => 2048,
				)
			),
			'version'               => $optional(
				array(
					'type'    => 'integer',
					'minimum' => 1,
					'maximum' => 4294967295,
				)
			),
			'connected_at'          => $optional(
				array(
					'type'   => 'string',
					'format' => 'date-time',
				)
			),
			'event'                 => $optional(
				array(
					'type' => 'string',
					'enum' => Igsync_Status::EVENTS,
				)
			),
			'status'                => $optional(
				array(
					'type' => 'string',
					'enum' => Igsync_Status::LEAD,
				)
			),
			'reason'                => $optional(
				array(
					'type'      => 'string',
					'maxLength' => 255,
				)
			),
		);
	}

	/**
	 * The insights the daemon reads where instagram_business_manage_insights is granted:
	 * the day's reach and new followers, and the audience by country, age and gender; each
	 * a number (a map of groups), or why there is none.
	 *
	 * @return array<string, mixed>
	 */
	private static function insights_schema(): array {
		$withheld  = array(
			'type' => 'string',
			'enum' => array( 'suppressed', 'unavailable' ),
		);
		$metric    = array(
			'oneOf' => array(
				array(
					'type'    => 'integer',
					'minimum' => 0,
				),
				$withheld,
			),
		);
		$breakdown = array(
			'oneOf' => array(
				array(
					'type'                 => 'object',
					'maxProperties'        => 60, // Instagram returns the top 45 groups.
					'patternProperties'    => array(
						'^[A-Za-z0-9 ,.+-]{1,32}$' => array(
							'type'    => 'integer',
							'minimum' => 0,
						),
					),
					'additionalProperties' => false,
				),
				$withheld,
			),
		);
		return array(
			'type'       => 'object',
			'properties' => array(
				'reach'          => $metric,
				'follower_count' => $metric,
				'audience'       => array(
					'type'       => 'object',
					'properties' => array(
						'country' => $breakdown,
						'age'     => $breakdown,
						'gender'  => $breakdown,
						'read_on' => array(
							'type'    => 'string',
							'pattern' => '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
						),
					),
				),
			),
		);
	}

	/**
	 * Checks a pushed lead against the schema; the first field that does not fit, as a 422.
	 *
	 * @param mixed $lead The decoded JSON body.
	 * @return true|WP_Error
	 */
	public static function validate( $lead ) {
		if ( ! is_array( $lead ) ) {
			return new WP_Error( 'igsync_invalid_lead', 'the body is not a JSON object', array( 'status' => 400 ) );
		}
		foreach ( self::schema() as $field => $schema ) {
			if ( ! array_key_exists( $field, $lead ) ) {
				if ( ! empty( $schema['required'] ) ) {
					return self::invalid( $field, "{$field} is required" );
				}
				continue;
			}
			$valid = rest_validate_value_from_schema( $lead[ $field ], $schema, $field );
			if ( is_wp_error( $valid ) ) {
				return self::invalid( $field, "{$field}: " . $valid->get_error_message() );
			}
		}
		return true;
	}

	/**
	 * A 422 naming the field.
	 *
	 * @param string $field  Field.
	 * @param string $reason Why.
	 * @return WP_Error
	 */
	public static function invalid( string $field, string $reason ): WP_Error {
		return new WP_Error(
			'igsync_invalid_field',
			$reason,
			array(
				'status' => 422,
				'field'  => $field,
			)
		);
	}
}
