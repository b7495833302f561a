<?php
/**
 * A creator's follower history as an SVG line chart drawn on the server: WordPress ships no
 * chart library, and one line of a few hundred points needs none (no script to load, nothing
 * to break in wp-admin, readable by screen readers through its title and table fallback).
 * Pure: points in, markup out.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The follower chart.
 */
final class Igsync_Follower_Chart {

	const WIDTH  = 640;
	const HEIGHT = 200;
	const PAD    = 36;
	const LEFT   = 76; // Room for the counts' labels, up to "12,345,678".

	/**
	 * The chart, or '' with fewer than two points (a line needs two).
	 *
	 * @param array<string, int> $history Day (Y-m-d) => followers, oldest first.
	 * @param string             $title   What it shows, for screen readers.
	 * @return string Escaped SVG.
	 */
	public static function svg( array $history, string $title ): string {
		if ( count( $history ) < 2 ) {
			return '';
		}
		$days   = array_keys( $history );
		$counts = array_values( $history );
		$low    = min( $counts );
		$high   = max( $counts );
		$span   = max( 1, $high - $low );
		$first  = (int) strtotime( $days[0] . ' UTC' );
		$width  = max( 1, (int) strtotime( end( $days ) . ' UTC' ) - $first );
		$points = array();
		foreach ( $history as $day => $count ) {
			$x        = self::LEFT + ( (int) strtotime( $day . ' UTC' ) - $first ) / $width * ( self::WIDTH - self::LEFT - self::PAD );
			$y        = self::HEIGHT - self::PAD - ( $count - $low ) / $span * ( self::HEIGHT - 2 * self::PAD );
			$points[] = round( $x, 1 ) . ',' . round( $y, 1 );
		}
		$label = static fn( int $n, float $x, float $y, string $anchor ): string => sprintf( '<text x="%1$s" y="%2$s" text-anchor="%3$s">%4$s</text>', $x, $y, $anchor, esc_html( number_format_i18n( $n ) ) );
		return sprintf(
			'<svg class="igsync-chart" viewBox="0 0 %1$d %2$d" role="img" aria-labelledby="igsync-chart-title" preserveAspectRatio="xMidYMid meet"><title id="igsync-chart-title">%3$s</title>'
			. '<line class="igsync-chart__axis" x1="%4$d" y1="%5$d" x2="%6$d" y2="%5$d"/>'
			. '<polyline class="igsync-chart__line" fill="none" points="%7$s"/>%8$s%9$s'
			. '<text x="%4$d" y="%10$d" text-anchor="start">%11$s</text><text x="%6$d" y="%10$d" text-anchor="end">%12$s</text></svg>',
			self::WIDTH,
			self::HEIGHT,
			esc_html( $title ),
			self::LEFT,
			self::HEIGHT - self::PAD,
			self::WIDTH - self::PAD,
			esc_attr( implode( ' ', $points ) ),
			$label( $high, self::LEFT - 8, self::PAD + 4, 'end' ),
			$label( $low, self::LEFT - 8, self::HEIGHT - self::PAD, 'end' ),
			self::HEIGHT - self::PAD + 18,
			esc_html( wp_date( (string) get_option( 'date_format' ), $first ) ),
			esc_html( wp_date( (string) get_option( 'date_format' ), $first + $width ) )
		);
	}
}
